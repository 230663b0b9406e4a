--[[
  submit-run: create a whole run at once (its meta, every node's spec, the state of every node
  but the queued roots, its index entries) and enqueue the nodes that depend on nothing. Either the run exists completely
  afterwards or not at all: every check happens before the first write.

  KEYS[1..12]  the run's keys (RunKeys in keys.ts): meta, nodes, specs, results, errors,
               runs index, runs by status (running, succeeded, failed, cancelled),
               expiry index, expired tombstones
  KEYS[13]     sequence: counter for first-come-first-served order inside a priority
  KEYS[14..]   for each queue a root node is delivered on, three keys: ready, delayed, signal

  ARGV[1]  run id
  ARGV[2]  run name
  ARGV[3]  output template JSON (which results, in which nesting, make the run's value)
  ARGV[4]  retention in ms of a succeeded run
  ARGV[5]  retention in ms of a failed run
  ARGV[6]  retention in ms of a cancelled run
  ARGV[7]  JSON list of every queue the run's nodes are delivered on
  ARGV[8]  trace context JSON of the submit span ("" when tracing is off)
  ARGV[9]  number of root queues Q whose keys follow KEYS[13]
  ARGV[10 .. 9+Q]  those queue names, in KEYS order
  ARGV[10+Q]       number of root classes C: the distinct (queue, priority, countdown) of the
                   nodes that depend on nothing
  ARGV[11+Q ..]    for each class, three values: queue name, priority, countdown in ms
  then             for each node, in id order ("0", "1", ...), two values: spec JSON, and either
                   its number of dependencies (> 0), or -k for a root of class k (1-based)

  Returns: the run's creation time (ms, Redis clock), or the error reply "RUN_EXISTS".

  Two values per node and no ids keep a 10,000-node submit at 20,000 arguments: passing them
  costs Redis and the client more than anything else the submit does. A queued root (no
  countdown) gets no state entry: absent means queued, delivery 1 (initialRootState in
  includes/common.lua). The roots are enqueued
  here in bulk rather than one by one through enqueueNode: the same state (queued or delayed,
  delivery 1; queuedAt is the run's createdAt), one INCRBY of the sequence for all of them, and
  one ZADD per 1000 messages.
]]
--- @include "common"
--- @include "run"

local run = runKeysFrom(KEYS)
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId = ARGV[1]

if redis.call('EXISTS', run.meta) == 1 then
  return redis.error_reply('RUN_EXISTS')
end

local now = nowMs()
local queueCount = tonumber(ARGV[9])
local queues = {}
for index = 1, queueCount do
  local base = RUN_KEY_COUNT + 1 + (index - 1) * 3
  queues[ARGV[9 + index]] = { ready = KEYS[base + 1], delayed = KEYS[base + 2], signal = KEYS[base + 3], readyArgs = {} }
end
local classCount = tonumber(ARGV[10 + queueCount])
local classes = {}
for index = 1, classCount do
  local base = 11 + queueCount + (index - 1) * 3
  local queue = queues[ARGV[base]]
  -- Check before the first write (Redis does not roll back a script that errors half way).
  if not queue then return redis.error_reply('QUEUE_KEYS_MISSING ' .. ARGV[base]) end
  classes[index] = { queue = queue, priority = tonumber(ARGV[base + 1]), countdown = tonumber(ARGV[base + 2]) }
end
local firstNode = 11 + queueCount + classCount * 3
local nodeCount = (#ARGV - firstNode + 1) / 2

-- Index members sort by creation time, then id: listRuns pages through them by lex range.
local indexMember = string.format('%015d', now) .. ':' .. runId
redis.call('HSET', run.meta,
  'name', ARGV[2],
  'status', 'running',
  'createdAt', now,
  'nodeCount', nodeCount,
  'unfinished', nodeCount,
  'output', ARGV[3],
  'retainSucceededMs', ARGV[4],
  'retainFailedMs', ARGV[5],
  'retainCancelledMs', ARGV[6],
  'queues', ARGV[7],
  'indexMember', indexMember)
if ARGV[8] ~= '' then redis.call('HSET', run.meta, 'trace', ARGV[8]) end
redis.call('ZADD', run.all, 0, indexMember)
redis.call('ZADD', run.byStatus.running, 0, indexMember)

-- Roots: delayed ones by due time, the others into ready with consecutive sequence numbers.
local readyRoots = 0
for position = firstNode + 1, #ARGV, 2 do
  local class = classes[-tonumber(ARGV[position])]
  if class and class.countdown == 0 then readyRoots = readyRoots + 1 end
end
local sequence = readyRoots > 0 and (redis.call('INCRBY', sequenceKey, readyRoots) - readyRoots) or 0
-- A delayed root's state leaves out what is implied (memory counts at 100,000 nodes): no
-- waiting means 0, and no queuedAt means the run's createdAt. A queued root has no state at all
-- until it starts (initialRootState in common.lua).
local delayedState = cjson.encode({ status = 'delayed', delivery = 1 })

local specArgs, stateArgs = {}, {}

local nodeIndex = 0
for position = firstNode, #ARGV, 2 do
  local nodeId = tostring(nodeIndex)
  nodeIndex = nodeIndex + 1
  local waiting = tonumber(ARGV[position + 1])
  local state
  if waiting > 0 then
    state = '{"status":"pending","waiting":' .. waiting .. '}'
  else
    local class = classes[-waiting]
    local queue = class.queue
    local message = messageFor(runId, nodeId, 1, class.priority)
    if class.countdown > 0 then
      state = delayedState
      redis.call('ZADD', queue.delayed, formatScore(now + class.countdown), message)
    else
      -- No state stored: a root with none is queued, delivery 1 (initialRootState).
      sequence = sequence + 1
      local readyArgs = queue.readyArgs
      readyArgs[#readyArgs + 1] = readyScore(class.priority, sequence)
      readyArgs[#readyArgs + 1] = message
    end
  end
  specArgs[#specArgs + 1] = nodeId
  specArgs[#specArgs + 1] = ARGV[position]
  if state then
    stateArgs[#stateArgs + 1] = nodeId
    stateArgs[#stateArgs + 1] = state
  end
end
callInChunks('HSET', run.specs, specArgs)
callInChunks('HSET', run.nodes, stateArgs)
for _, queue in pairs(queues) do
  callInChunks('ZADD', queue.ready, queue.readyArgs)
  -- Also for delayed roots: a blocked worker wakes up and shortens its wait to the due time.
  ensureSignal(queue.signal)
end

return now
