--[[
  enqueue-roots: enqueue the ready roots submit-run left without a message (past its
  COMMIT_READY_ROOTS), node ids from the meta's rootsCursor, at most ARGV[2] of them per call.
  A node of the range with no state is such a root (queued, delivery 1: initialRootState); its
  message goes into its queue's ready set in id order, as submit-run would have added it. A node
  with a state is skipped: not a ready root, or one a cancel already cancelled. Each call is
  atomic and moves the cursor, so whoever calls next carries on: the submitting client right
  after submit-run, or the repair sweep when that client died. In a run that is not running (it
  was cancelled meanwhile) nothing is enqueued and the cursor goes: the cancel's sweep cancels
  those roots.

  KEYS[1..13]  the run's keys (runScriptKeys in keys.ts)
  KEYS[14]     sequence
  KEYS[15..]   for each queue the run uses (its meta's `queues`), four keys:
               ready, delayed, leases, signal

  ARGV[1]  run id
  ARGV[2]  most node ids to handle in this call
  ARGV[3..] the queue names, in KEYS order

  Returns: { 'more', roots enqueued }  call again
       or  { 'done', roots enqueued }  no root is left without its message
       or  the error replies RUN_MISSING, QUEUE_KEYS_MISSING <queue>
]]
--- @include "common"
--- @include "spec"
--- @include "events"
--- @include "nodes"
--- @include "node-state"
--- @include "run"
--- @include "queues"

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
local sequence = #roots > 0 and (redis.call('INCRBY', sequenceKey, #roots) - #roots) or 0
local readyArgs = {}
for _, nodeId in ipairs(roots) do
  local queueName, priority = specQueueAndPriority(specs[nodeId])
  local queue = queues[queueName]
  sequence = sequence + 1
  local args = readyArgs[queue]
  if not args then
    args = {}
    readyArgs[queue] = args
  end
  args[#args + 1] = readyScore(priority, sequence)
  args[#args + 1] = messageFor(runId, nodeId, 1, priority)
end
for queue, args in pairs(readyArgs) do
  callInChunks('ZADD', queue.ready, args)
  ensureSignal(queue.signal)
end

if last + 1 >= nodeCount then
  redis.call('HDEL', run.meta, 'rootsCursor')
  return { 'done', #roots }
end
redis.call('HSET', run.meta, 'rootsCursor', last + 1)
return { 'more', #roots }
