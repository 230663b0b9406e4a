--[[
  enqueue-roots: enqueue the ready roots submit-run left without a message (past its
  COMMIT_READY_ROOTS), node ids from the meta's rootsCursor, at most ARGV[2] of them per call.
  A node of the range with no state is such a root (queued, delivery 1: initialRootState); its
  message goes into its queue's ready set in id order, as submit-run would have added it, except
  that a streak of roots (one queue and priority, ids a constant step apart) goes in as one range
  member (includes/ranges.lua), which extends the run's last range when it carries it on: the
  million members of a group wait in their queue as one member, not a million. A node with a
  state is skipped: not a ready root, or one a cancel already cancelled. Each call is
  atomic and moves the cursor, so whoever calls next carries on: the submitting client right
  after submit-run, or the repair sweep when that client died. In a run that is not running (it
  was cancelled meanwhile) nothing is enqueued and the cursor goes: the cancel's sweep cancels
  those roots.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  most node ids to handle in this call
  ARGV[3..] the queue names, in KEYS order

  Returns: { 'more', roots enqueued }  call again
       or  { 'done', roots enqueued }  no root is left without its message
       or  the error replies RUN_MISSING, QUEUE_KEYS_MISSING <queue>
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "events"
--- @include "nodes"
--- @include "node-state"
--- @include "run"
--- @include "queues"
--- @include "ranges"

local run = runKeysFrom(KEYS)
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId, limit = ARGV[1], tonumber(ARGV[2])

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount', 'rootsCursor')
if not meta[1] then return redis.error_reply('RUN_MISSING') end
if not meta[4] then return { 'done', 0 } end
if meta[1] ~= RUN_RUNNING then
  redis.call('HDEL', run.meta, 'rootsCursor')
  return { 'done', 0 }
end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 2, ARGV, 3, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end
local nodeCount, first = tonumber(meta[3]), tonumber(meta[4])
local last = math.min(first + limit, nodeCount) - 1

local ids = {}
for index = first, last do ids[#ids + 1] = tostring(index) end
local states = loadRaw(run.nodes, ids)
local roots = {}
for _, nodeId in ipairs(ids) do
  if not states[nodeId] then roots[#roots + 1] = nodeId end
end
local specs = loadRaw(run.specs, roots)

-- Streaks: roots in id order with one queue and priority, their ids a constant step apart (a
-- group of single nodes: step 1; a group of chains: the chains' length). A streak of RANGE_MIN
-- or more goes in as one range member (ranges.lua), a shorter one as a message per root.
local entries = {}
local streak = nil
local function closeStreak()
  if not streak then return end
  if streak.count >= RANGE_MIN then
    entries[#entries + 1] = streak
  else
    for offset = 0, streak.count - 1 do
      entries[#entries + 1] = { queueName = streak.queueName, priority = streak.priority, first = streak.first + offset * streak.step, count = 1 }
    end
  end
  streak = nil
end
for _, nodeId in ipairs(roots) do
  local queueName, priority = specQueueAndPriority(specs[nodeId])
  local id = tonumber(nodeId)
  if streak and streak.queueName == queueName and streak.priority == priority
    and (streak.count == 1 or id - streak.last == streak.step) then
    if streak.count == 1 then streak.step = id - streak.first end
    streak.last = id
    streak.count = streak.count + 1
  else
    closeStreak()
    streak = { queueName = queueName, priority = priority, first = id, last = id, step = 1, count = 1 }
  end
end
closeStreak()

-- A streak that carries on the run's last range (the previous call's, not used up yet) extends
-- it in place: a million-wide group stays one member, and one record in the meta.
local lastRange = nil
if entries[1] and entries[1].count > 1 then
  local live = liveRanges(run.meta, runId, queues)
  lastRange = live[#live]
end
local readyArgs = {}
local sequence = #entries > 0 and (redis.call('INCRBY', sequenceKey, #entries) - #entries) or 0
local enqueued = 0
for position, entry in ipairs(entries) do
  local queue = queues[entry.queueName]
  sequence = sequence + 1
  enqueued = enqueued + entry.count
  if entry.count == 1 then
    local args = readyArgs[queue]
    if not args then
      args = {}
      readyArgs[queue] = args
    end
    args[#args + 1] = readyScore(entry.priority, sequence)
    args[#args + 1] = messageFor(runId, tostring(entry.first), 1, entry.priority)
  else
    if position == 1 and lastRange and lastRange.queue == queue and lastRange.priority == entry.priority
      and lastRange.step == entry.step and lastRange.last + lastRange.step == entry.first then
      resizeRange(queue, lastRange.member, lastRange.score, lastRange.first, entry.last, false)
    else
      local score = readyScore(entry.priority, sequence)
      addRange(queue, score, runId, entry.first, entry.last, entry.step, entry.priority)
      recordRange(run.meta, entry.queueName, score)
    end
  end
end
for queue, args in pairs(readyArgs) do callInChunks('ZADD', queue.ready, args) end
local signalled = {}
for _, entry in ipairs(entries) do
  local queue = queues[entry.queueName]
  if not signalled[queue] then
    signalled[queue] = true
    ensureSignal(queue.signal)
  end
end

if last + 1 >= nodeCount then
  redis.call('HDEL', run.meta, 'rootsCursor')
  return { 'done', enqueued }
end
redis.call('HSET', run.meta, 'rootsCursor', last + 1)
return { 'more', enqueued }
