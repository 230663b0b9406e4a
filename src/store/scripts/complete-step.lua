--[[
  complete-step: a chain's hop, the commonest call, in fewer calls and tables than complete-nodes
  makes for it (no batch, leases by queue or dependants table; a small script, so Lua makes few
  closures per call). The worker sends it instead of complete-nodes, with the same KEYS and ARGV,
  when the call looks like a hop (NodeStore.completeMany: one completion of a node that reads its
  one predecessor and has one dependant, no span, one slot); it answers nil, having written
  nothing, whenever the call is not exactly one, and the worker then sends complete-nodes.
  It applies when:
    - ARGV holds one completion, with no span context, and one slot to fill;
    - the node is running its first attempt, and that attempt is the one reported;
    - its spec names one dependant, delivered on the default queue, which the worker consumes;
    - that dependant is pending, waits for this node alone, was never started, reads this
      node's result (input { node = this node }) and has no queue, priority, countdown or eta;
    - the run is running, has no trace context, and does not finish here.
  Then it makes complete-nodes' writes for that call: the lease released, the result stored,
  `unfinished` counted down, the node succeeded and the dependant started (one HSET), the
  dependant leased to the worker, node.succeeded and node.started. Its reply is complete-nodes'
  (test/integration/chain-step.test.ts holds the two scripts to the same writes and replies).

  KEYS, ARGV: as complete-nodes.
  Returns: complete-nodes' reply, or nil (not a plain hop: nothing written).
]]
--- @include "common"
--- @include "spec"
--- @include "events"
--- @include "run"
--- @include "nodes"
--- @include "node-state"

local run = runKeysFrom(KEYS)
local runId = ARGV[1]
statesOfRun(runId)
local queueCount = tonumber(ARGV[8])
local first = 10 + queueCount * 2
if #ARGV ~= first + 5 or ARGV[3] ~= '1' or ARGV[first + 1] ~= '1' or ARGV[first + 5] ~= '' then return nil end
local ownLeases, nextLeases = nil, nil
for index = 1, queueCount do
  local name, leases = ARGV[10 + (index - 1) * 2], KEYS[RUN_KEY_COUNT + 4 + (index - 1) * QUEUE_KEY_COUNT + 2]
  if name == ARGV[first + 4] then ownLeases = leases end
  if name == DEFAULT_QUEUE and ARGV[11 + (index - 1) * 2] ~= '0' then nextLeases = leases end
end
if not ownLeases or not nextLeases then return nil end

local nodeId = ARGV[first]
local raw = redis.call('HGET', run.nodes, nodeId)
if not raw or runningAttempt(raw) ~= 1 then return nil end
local specJson = redis.call('HGET', run.specs, nodeId)
if not specJson then return nil end
local nextId = specSingleNext(specJson)
if not nextId then return nil end
local nextRaw = redis.call('HGET', run.nodes, nextId)
local nextNode = nextRaw and readState(nextRaw, nextId)
if not nextNode or nextNode.status ~= NODE_PENDING or nextNode.waiting ~= 1 or nextNode.attempts or nextNode.hold then return nil end
local nextSpecJson = redis.call('HGET', run.specs, nextId)
if not nextSpecJson then return nil end
if not specReadsOnly(nextSpecJson, nodeId) then return nil end
local meta = redis.call('HMGET', run.meta, 'status', 'trace', 'unfinished', 'reopened', 'events')
if meta[1] ~= RUN_RUNNING or meta[2] or (tonumber(meta[3]) or 0) < 2 then return nil end

eventsFor(run, runId, meta[5])
eventsWorker(ARGV[9])
local now = nowMs()
local resultJson = ARGV[first + 2]
redis.call('ZREM', ownLeases, ARGV[first + 3])
redis.call('HSET', run.results, nodeId, resultJson)
countUnfinished(run, -1)
nextNode.waiting = 0
nextNode.delivery = (nextNode.delivery or 0) + 1
nextNode.queuedAt = now
nextNode.status = NODE_RUNNING
nextNode.attempts = 1
nextNode.startedAt = now
nextNode.progress = nil
redis.call('HSET', run.nodes, nodeId, succeededText(raw, formatScore(now), ''), nextId, encodeState(nextNode))
local message = messageFor(runId, nextId, nextNode.delivery, 0)
redis.call('ZADD', nextLeases, formatScore(now + tonumber(ARGV[4])), message)
emitEvent('node.succeeded', nodeId, 1, specTask(specJson))
emitEvent('node.started', nextId, 1, specTask(nextSpecJson))
flushEvents()
local head = '[1,' .. (nextNode.leaseExpiries or 0) .. ',' .. (nextNode.attemptOffset or 0) .. ','
local contextJson = plainContextJson(now, now, tonumber(meta[4] or '0'))
return { 0, { 'completed' }, { message, DEFAULT_QUEUE, head .. nextSpecJson .. ',' .. contextJson .. ',[' .. resultJson .. '],[]]' }, {} }
