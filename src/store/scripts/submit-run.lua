--[[
  submit-run: create a whole run at once (its meta, every node's spec and state) and enqueue the
  nodes that depend on nothing. Either the run exists completely afterwards or not at all: the
  only check (the id is free) happens before the first write.

  KEYS[1]  run            hash: the run's meta (name, status, createdAt, ...)
  KEYS[2]  nodes          hash: node id -> node state JSON
  KEYS[3]  specs          hash: node id -> node spec JSON (immutable)
  KEYS[4]  runs index     sorted set: run id by creation time
  KEYS[5]  sequence       counter for first-come-first-served order inside a priority
  KEYS[6..] for each queue a root node is delivered on, three keys: ready, delayed, signal

  ARGV[1]  run id
  ARGV[2]  run name
  ARGV[3]  output template JSON (which results, in which nesting, make the run's value)
  ARGV[4]  number of queues Q whose keys follow KEYS[5]
  ARGV[5 .. 4+Q]   those queue names, in KEYS order
  ARGV[5+Q ..]     for each node, three values: node id, spec JSON, number of dependencies

  Returns: the run's creation time (ms, Redis clock), or the error reply "RUN_EXISTS".
]]
--- @include "common"
--- @include "enqueue"

local runKey, nodesKey, specsKey, runsIndexKey, sequenceKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local runId = ARGV[1]

if redis.call('EXISTS', runKey) == 1 then
  return redis.error_reply('RUN_EXISTS')
end

local now = nowMs()
local queueCount = tonumber(ARGV[4])
local queues = {}
for index = 1, queueCount do
  local base = 5 + (index - 1) * 3
  queues[ARGV[4 + index]] = { ready = KEYS[base + 1], delayed = KEYS[base + 2], signal = KEYS[base + 3] }
end

local firstNode = 5 + queueCount
local nodeCount = (#ARGV - firstNode + 1) / 3

-- Check before the first write (Redis does not roll back a script that errors half way).
local rootSpecs = {}
for position = firstNode, #ARGV, 3 do
  if tonumber(ARGV[position + 2]) == 0 then
    local spec = cjson.decode(ARGV[position + 1])
    if not queues[spec.queue] then return redis.error_reply('QUEUE_KEYS_MISSING ' .. spec.queue) end
    rootSpecs[ARGV[position]] = spec
  end
end

redis.call('HSET', runKey,
  'name', ARGV[2],
  'status', 'running',
  'createdAt', now,
  'nodeCount', nodeCount,
  'unfinished', nodeCount,
  'output', ARGV[3])
redis.call('ZADD', runsIndexKey, now, runId)

local specBatch, stateBatch = {}, {}
local function flush()
  if #specBatch > 0 then redis.call('HSET', specsKey, unpack(specBatch)) end
  if #stateBatch > 0 then redis.call('HSET', nodesKey, unpack(stateBatch)) end
  specBatch, stateBatch = {}, {}
end

for position = firstNode, #ARGV, 3 do
  local nodeId, specJson, waiting = ARGV[position], ARGV[position + 1], tonumber(ARGV[position + 2])
  local node
  if waiting > 0 then
    node = { status = 'pending', waiting = waiting }
  else
    local spec = rootSpecs[nodeId]
    node = { waiting = 0 }
    enqueueNode(queues[spec.queue], sequenceKey, runId, nodeId, node, spec, now)
  end
  specBatch[#specBatch + 1] = nodeId
  specBatch[#specBatch + 1] = specJson
  stateBatch[#stateBatch + 1] = nodeId
  stateBatch[#stateBatch + 1] = cjson.encode(node)
  if #specBatch >= 1000 then flush() end
end
flush()

return now
