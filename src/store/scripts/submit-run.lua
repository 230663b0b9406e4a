--[[
  submit-run: create a whole run at once (its meta, every node's spec and state, its index
  entries) and enqueue the nodes that depend on nothing. Either the run exists completely
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
  ARGV[10+Q]       number of root nodes R (nodes that depend on nothing)
  ARGV[11+Q ..]    for each root, four values: node id, queue name, priority, countdown in ms
  then             for each node, three values: node id, spec JSON, number of dependencies

  Returns: the run's creation time (ms, Redis clock), or the error reply "RUN_EXISTS".

  The roots are enqueued here in bulk rather than one by one through enqueueNode: the same
  state (queued or delayed, delivery 1; queuedAt is the run's createdAt), one INCRBY of the sequence for all of them,
  and one ZADD per 1000 messages. A wide group's submit costs a few calls per thousand nodes.
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
  queues[ARGV[9 + index]] = { ready = KEYS[base + 1], delayed = KEYS[base + 2], signal = KEYS[base + 3], readyBatch = {} }
end
local rootCount = tonumber(ARGV[10 + queueCount])
local firstRoot = 11 + queueCount
local firstNode = firstRoot + rootCount * 4
local nodeCount = (#ARGV - firstNode + 1) / 3

-- Check before the first write (Redis does not roll back a script that errors half way).
for position = firstRoot, firstNode - 1, 4 do
  if not queues[ARGV[position + 1]] then return redis.error_reply('QUEUE_KEYS_MISSING ' .. ARGV[position + 1]) end
end

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
for position = firstRoot, firstNode - 1, 4 do
  if tonumber(ARGV[position + 3]) == 0 then readyRoots = readyRoots + 1 end
end
local sequence = readyRoots > 0 and (redis.call('INCRBY', sequenceKey, readyRoots) - readyRoots) or 0
-- A root's state leaves out what is implied (memory counts at 100,000 nodes): no waiting means
-- 0, and no queuedAt means the run's createdAt.
local queuedState = cjson.encode({ status = 'queued', delivery = 1 })
local delayedState = cjson.encode({ status = 'delayed', delivery = 1 })
local rootStates = {}
for position = firstRoot, firstNode - 1, 4 do
  local nodeId, queue = ARGV[position], queues[ARGV[position + 1]]
  local priority, countdown = tonumber(ARGV[position + 2]), tonumber(ARGV[position + 3])
  local message = messageFor(runId, nodeId, 1, priority)
  if countdown > 0 then
    rootStates[nodeId] = delayedState
    redis.call('ZADD', queue.delayed, formatScore(now + countdown), message)
  else
    rootStates[nodeId] = queuedState
    sequence = sequence + 1
    local batch = queue.readyBatch
    batch[#batch + 1] = readyScore(priority, sequence)
    batch[#batch + 1] = message
    if #batch >= 2000 then
      redis.call('ZADD', queue.ready, unpack(batch))
      queue.readyBatch = {}
    end
  end
end
for _, queue in pairs(queues) do
  if #queue.readyBatch > 0 then redis.call('ZADD', queue.ready, unpack(queue.readyBatch)) end
  -- Also for delayed roots: a blocked worker wakes up and shortens its wait to the due time.
  ensureSignal(queue.signal)
end

local specBatch, stateBatch = {}, {}
local function flush()
  if #specBatch > 0 then redis.call('HSET', run.specs, unpack(specBatch)) end
  if #stateBatch > 0 then redis.call('HSET', run.nodes, unpack(stateBatch)) end
  specBatch, stateBatch = {}, {}
end

for position = firstNode, #ARGV, 3 do
  local nodeId, specJson, waiting = ARGV[position], ARGV[position + 1], ARGV[position + 2]
  specBatch[#specBatch + 1] = nodeId
  specBatch[#specBatch + 1] = specJson
  stateBatch[#stateBatch + 1] = nodeId
  stateBatch[#stateBatch + 1] = rootStates[nodeId] or ('{"status":"pending","waiting":' .. waiting .. '}')
  if #specBatch >= 2000 then flush() end
end
flush()

return now
