--[[
  prune-runs: remove the index entries of runs whose keys have expired (retention), and forget
  expired runs' tombstones after a while. Bounded per call; run by listRuns and by workers.

  KEYS[1]  runs index                     sorted set (lex): "<createdAt>:<run id>"
  KEYS[2..5] runs by status: running, succeeded, failed, cancelled
  KEYS[6]  expiry index                   sorted set: index member by expiry time
  KEYS[7]  expired tombstones             sorted set: run id by expiry time

  ARGV[1]  most entries to prune in this call
  ARGV[2]  how long (ms) to remember that an expired run existed (for RunExpiredError)

  Returns: how many runs' index entries were removed
]]
--- @include "common"

local now = nowMs()
local due = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, member in ipairs(due) do
  for index = 1, 5 do redis.call('ZREM', KEYS[index], member) end
end
if #due > 0 then redis.call('ZREM', KEYS[6], unpack(due)) end
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', now - tonumber(ARGV[2]))
return #due
