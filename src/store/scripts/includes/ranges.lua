-- Range members of a ready set (needs common). A wide group's roots go into their queue not as a
-- message each but as ranges: one member "<run id>|<first>~<last>~<step>|1|<priority>" stands for
-- the first deliveries of the run's nodes first, first + step, ... up to last, in that order, at
-- the queue position (score) of its first. Only submit-run and enqueue-roots write ranges, so
-- every node of one is a root that never started (no stored state, delivery 1). A claim takes messages off a
-- range's front (takeFromRange); the cancel and delete sweeps cut its front too (trimRunRanges),
-- as they walk node ids upwards. So a range only ever shrinks from the front.
--
-- queue.ranged counts how many more messages the queue's ranges stand for than they are members:
-- a ready count stays exact (queue-stats). The run's meta field `ranges` records where its
-- ranges went, JSON [[queue name, score], ...]: a score is unique within a ready set (each entry
-- takes a sequence number of its own) and a range keeps it until it is used up, so the record
-- finds the member whatever has been taken from it.

-- Streaks of roots shorter than this go in as a message per root.
local RANGE_MIN = 8

local function rangeMessageFor(runId, first, last, step, priority)
  return runId .. '|' .. first .. '~' .. last .. '~' .. step .. '|1|' .. (priority or 0)
end

-- runId, first, last, step, priority (numbers but the run id) of a range member, or nil for a
-- member that is a plain message.
local function rangeParts(member)
  -- Every claimed member comes here: a plain message (no '~') is told apart without a pattern.
  if not string.find(member, '~', 1, true) then return nil end
  local runId, first, last, step, priority = string.match(member, '^([^|]+)|(%d+)~(%d+)~(%d+)|1|(%d+)$')
  if not runId then return nil end
  return runId, tonumber(first), tonumber(last), tonumber(step), tonumber(priority)
end

local function rangeSize(first, last, step)
  return math.floor((last - first) / step) + 1
end

-- Put a range into queue.ready at `score` (a number or its text).
local function addRange(queue, score, runId, first, last, step, priority)
  redis.call('ZADD', queue.ready, score, rangeMessageFor(runId, first, last, step, priority))
  local size = rangeSize(first, last, step)
  if size > 1 then redis.call('INCRBY', queue.ranged, size - 1) end
end

-- A range given new bounds, newFirst to newLast (a claim took its front, a sweep cut it, or
-- enqueue-roots carried it on): its member is replaced at the same score, or removed when nothing
-- is left, and queue.ranged follows. With `popped`, the member is out of the set already
-- (ZPOPMIN): nothing to remove.
local function resizeRange(queue, member, score, newFirst, newLast, popped)
  local runId, first, last, step, priority = rangeParts(member)
  if not popped then redis.call('ZREM', queue.ready, member) end
  local before = rangeSize(first, last, step) - 1
  local after = 0
  if newFirst <= newLast then
    redis.call('ZADD', queue.ready, score, rangeMessageFor(runId, newFirst, newLast, step, priority))
    after = rangeSize(newFirst, newLast, step) - 1
  end
  if after ~= before then redis.call('INCRBY', queue.ranged, after - before) end
end

-- A claim popped `member` from queue.ready at `score`: when it is a range, the messages of up to
-- `wanted` of its ids are appended to `messages`, their node ids at the same positions of
-- `nodeIds` (so that no one parses the messages built here), and the rest goes back at the same
-- score. Returns false (and does nothing) when the member is a plain message.
local function takeFromRange(queue, member, score, wanted, messages, nodeIds)
  local runId, first, last, step, priority = rangeParts(member)
  if not runId then return false end
  local taken = math.min(wanted, rangeSize(first, last, step))
  -- As text, converted once per range rather than once per message.
  local priorityText = tostring(priority)
  for offset = 0, taken - 1 do
    local nodeId = tostring(first + offset * step)
    messages[#messages + 1] = messageFor(runId, nodeId, '1', priorityText)
    nodeIds[#messages] = nodeId
  end
  resizeRange(queue, member, score, first + taken * step, last, true)
  return true
end

-- The run's ranges still in their queues: { queue =, score =, member =, first =, last =,
-- step =, priority = } each, in the order they were added. queues: by name (runQueuesFrom). Records whose
-- range is used up are dropped from the meta.
local function liveRanges(metaKey, runId, queues)
  local recorded = redis.call('HGET', metaKey, 'ranges')
  if not recorded then return {} end
  local records = cjson.decode(recorded)
  local live, kept = {}, {}
  for _, record in ipairs(records) do
    local queue = queues[record[1]]
    local member = queue and redis.call('ZRANGEBYSCORE', queue.ready, record[2], record[2], 'LIMIT', 0, 1)[1]
    local memberRun, first, last, step, priority = nil, nil, nil, nil, nil
    if member then memberRun, first, last, step, priority = rangeParts(member) end
    if memberRun == runId then
      live[#live + 1] = { queue = queue, score = record[2], member = member, first = first, last = last, step = step, priority = priority }
      kept[#kept + 1] = record
    end
  end
  if #kept == 0 then
    redis.call('HDEL', metaKey, 'ranges')
  elseif #kept < #records then
    redis.call('HSET', metaKey, 'ranges', cjson.encode(kept))
  end
  return live
end

-- Record a range put at `score` of the queue named `queueName` in the run's meta.
local function recordRange(metaKey, queueName, score)
  local recorded = redis.call('HGET', metaKey, 'ranges')
  local records = recorded and cjson.decode(recorded) or {}
  records[#records + 1] = { queueName, formatScore(score) }
  redis.call('HSET', metaKey, 'ranges', cjson.encode(records))
end

-- Whether a live range (liveRanges) still stands for node `nodeId` (a number).
local function rangeHolds(range, nodeId)
  return nodeId >= range.first and nodeId <= range.last and (nodeId - range.first) % range.step == 0
end

-- Cut every id up to `upTo` (every id, when nil) out of the run's ranges: a sweep that walks the
-- run's node ids upwards (cancel, delete) takes over those nodes' messages.
local function trimRunRanges(metaKey, runId, queues, upTo)
  for _, range in ipairs(liveRanges(metaKey, runId, queues)) do
    if not upTo or upTo >= range.last then
      resizeRange(range.queue, range.member, range.score, range.last + 1, range.last, false)
    elseif upTo >= range.first then
      local newFirst = range.first + (math.floor((upTo - range.first) / range.step) + 1) * range.step
      resizeRange(range.queue, range.member, range.score, newFirst, range.last, false)
    end
  end
end
