-- A schedule's next tick, and its place in the due set with it: nextTick "" means none is left
-- (out of the due set); `paused` keeps it out of the due set whatever its next tick.
local function setScheduleNext(scheduleKey, dueKey, id, nextTick, due, paused)
  if nextTick == '' then
    redis.call('HDEL', scheduleKey, 'next')
  else
    redis.call('HSET', scheduleKey, 'next', nextTick)
  end
  if nextTick == '' or paused then
    redis.call('ZREM', dueKey, id)
  else
    redis.call('ZADD', dueKey, due, id)
  end
end
