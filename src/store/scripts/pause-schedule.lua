--[[
  pause-schedule: pause a schedule (it leaves the due set; no tick fires while it is paused, and
  none is counted as missed), or resume it from the next tick the caller computed from now.

  KEYS[1]  the schedule's hash
  KEYS[2]  the due set (schedule id -> due ms)

  ARGV[1]  schedule id
  ARGV[2]  "1" to pause, "0" to resume
  ARGV[3]  resuming: the next tick ("" : none left)
  ARGV[4]  resuming: its due score

  Returns: 'paused', 'resumed' or 'missing'
]]
--- @include "schedule"

local scheduleKey, dueKey = KEYS[1], KEYS[2]
local id, pause, nextTick, due = ARGV[1], ARGV[2] == '1', ARGV[3], ARGV[4]

if redis.call('EXISTS', scheduleKey) == 0 then return 'missing' end
if pause then
  redis.call('HSET', scheduleKey, 'paused', '1')
  redis.call('ZREM', dueKey, id)
  return 'paused'
end
redis.call('HDEL', scheduleKey, 'paused')
setScheduleNext(scheduleKey, dueKey, id, nextTick, due, false)
return 'resumed'
