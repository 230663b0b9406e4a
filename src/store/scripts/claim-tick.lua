--[[
  claim-tick: one scheduler's claim of a schedule's due tick (src/schedule/scheduler.ts), or a
  trigger's fire now. Compare-and-set on the schedule's `next`: only the process that finds it as
  it read it moves it, so any number of schedulers firing one schedule claim each tick once. The
  fire goes into the firing set in the same call, with its run id (a function of the schedule
  and the tick: submitting it twice makes one run); the claimer submits it and removes it
  (fire-done), and any scheduler resubmits a fire left there (its claimer died in between).

  KEYS[1]  the schedule's hash
  KEYS[2]  the due set (schedule id -> due ms)
  KEYS[3]  the firing set ("<id>|<tick>|<run id>" -> claimed at ms)

  ARGV[1]  schedule id
  ARGV[2]  the `next` the caller read ("" : a trigger, which does not move `next`)
  ARGV[3]  the new `next` ("" : none left)
  ARGV[4]  the new due score ("" : none left)
  ARGV[5]  the tick to fire ("" : none: the claim only moves `next`, counting missed or skipped ticks)
  ARGV[6]  its run id
  ARGV[7]  ticks to add to `missed`
  ARGV[8]  ticks to add to `skipped`
  ARGV[9]  now (ms), the fire's record time

  Returns: 'claimed' (and fired if ARGV[5] was given), 'stale' (another process moved `next`),
           'paused' or 'missing' (nothing written)
]]
--- @include "schedule"

local scheduleKey, dueKey, firingKey = KEYS[1], KEYS[2], KEYS[3]
local id, expected, newNext, newDue, fireTick, runId = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local missed, skipped, now = tonumber(ARGV[7]), tonumber(ARGV[8]), ARGV[9]

local state = redis.call('HMGET', scheduleKey, 'def', 'next', 'paused', 'fires')
if not state[1] then return 'missing' end
if state[3] and expected ~= '' then return 'paused' end
if expected ~= '' then
  if (state[2] or '') ~= expected then return 'stale' end
  setScheduleNext(scheduleKey, dueKey, id, newNext, newDue, false)
end
if missed > 0 then redis.call('HINCRBY', scheduleKey, 'missed', missed) end
if skipped > 0 then redis.call('HINCRBY', scheduleKey, 'skipped', skipped) end
if fireTick ~= '' then
  redis.call('ZADD', firingKey, now, id .. '|' .. fireTick .. '|' .. runId)
  -- The last fires, newest first, at most 20 (a list of [tick, run id, at]).
  local fires = state[4] and cjson.decode(state[4]) or {}
  table.insert(fires, 1, { tonumber(fireTick), runId, tonumber(now) })
  while #fires > 20 do table.remove(fires) end
  redis.call('HSET', scheduleKey, 'fires', cjson.encode(fires), 'lastRun', runId)
end
return 'claimed'
