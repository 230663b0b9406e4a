--[[
  fire-done: a claimed fire's run was submitted (or already existed): it leaves the firing set.

  KEYS[1]  the firing set ("<id>|<tick>|<run id>" -> claimed at ms)

  ARGV[1]  the fire's member

  Returns: 1 when it was there, 0 when another scheduler had finished it
]]

return redis.call('ZREM', KEYS[1], ARGV[1])
