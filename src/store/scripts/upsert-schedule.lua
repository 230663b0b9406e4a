--[[
  upsert-schedule: create a schedule or replace its definition (src/schedule/schedules.ts). Its
  counters and last fires are kept; its next tick and paused flag are the caller's, computed
  from the new definition. Due schedules are in the due set, scored by when they are due.

  KEYS[1]  the schedule's hash
  KEYS[2]  the due set (schedule id -> due ms)
  KEYS[3]  every schedule's id (a set: list())

  ARGV[1]  schedule id
  ARGV[2]  the definition (store/schedule-format.ts)
  ARGV[3]  the next tick ("" : none)
  ARGV[4]  its due score ("" : none)
  ARGV[5]  "1" when paused, else "0"
  ARGV[6]  now (ms)

  Returns: 'created' or 'updated'
]]
--- @include "schedule"

local scheduleKey, dueKey, idsKey = KEYS[1], KEYS[2], KEYS[3]
local id, def, nextTick, due, paused, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]

local created = redis.call('EXISTS', scheduleKey) == 0
redis.call('HSET', scheduleKey, 'def', def, 'updatedAt', now)
if created then
  redis.call('HSET', scheduleKey, 'createdAt', now)
  redis.call('SADD', idsKey, id)
end
if paused then redis.call('HSET', scheduleKey, 'paused', '1') else redis.call('HDEL', scheduleKey, 'paused') end
setScheduleNext(scheduleKey, dueKey, id, nextTick, due, paused)
return created and 'created' or 'updated'
