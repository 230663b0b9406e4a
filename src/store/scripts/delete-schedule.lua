--[[
  delete-schedule: remove a schedule: its hash and its place in the due set. Runs it started are
  left as they are; a fire of it still in the firing set is still submitted (it was claimed).

  KEYS[1]  the schedule's hash
  KEYS[2]  the due set (schedule id -> due ms)
  KEYS[3]  every schedule's id (a set: list())

  ARGV[1]  schedule id

  Returns: 'deleted' or 'missing'
]]

local scheduleKey, dueKey, idsKey = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', scheduleKey) == 0 then return 'missing' end
redis.call('DEL', scheduleKey)
redis.call('ZREM', dueKey, ARGV[1])
redis.call('SREM', idsKey, ARGV[1])
return 'deleted'
