--[[
  complete-step: a chain's hop, the commonest call, in fewer calls, keys and arguments than
  complete-nodes takes for it (no batch, no queues' keys, no fill). The worker sends it instead of
  complete-nodes when the call is a hop by what the worker knows (NodeStore.completeMany); it
  answers nil, having written nothing, whenever the stored state says it is not exactly one, and
  the worker then sends complete-nodes.
  It applies when:
    - the node is running its first attempt (the worker sends only first attempts);
    - its spec marks its one dependant a hop (route "=<id>", SpecFields.hop: that dependant waits
      for this node alone, reads exactly its result and has no options), and it is ARGV[3];
    - that dependant is pending, waits for this node alone and was never started;
    - the run is running, has no trace context, and does not finish here.
  The worker sends it only for one untraced completion with one slot to fill, on a worker that
  consumes the default queue (where a hop's dependant is delivered). Then it makes complete-nodes'
  writes for that call: the lease released, the result stored, `unfinished` counted down, the node
  succeeded and the dependant started (one HSET), the dependant leased to the worker,
  node.succeeded and node.started (test/integration/chain-step.test.ts holds the two scripts to
  the same writes and replies). Its keys and arguments are only what a hop touches: a Redis call's
  cost grows with its argument count, on both ends of the connection.

  KEYS[1] run meta, KEYS[2] nodes, KEYS[3] specs, KEYS[4] results, KEYS[5] the shard's events,
  KEYS[6] the leases of the node's queue, KEYS[7] the leases of the default queue.
  ARGV[1] run id, ARGV[2] node id, ARGV[3] its dependant's id, ARGV[4] the result JSON,
  ARGV[5] the node's lease member (its message), ARGV[6] lease ms, ARGV[7] worker id.
  Returns: { the dependant's message, its start JSON (includes/start.lua's format) }, or nil (not
  a hop: nothing written).
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "events"
--- @include "run"
--- @include "node-state"

local runId, nodeId, nextId, resultJson = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
-- The run's keys this script touches, named as runKeysFrom names them.
local run = { meta = KEYS[1], nodes = KEYS[2], specs = KEYS[3], results = KEYS[4], events = KEYS[5] }
statesOfRun(runId)

local states = redis.call('HMGET', run.nodes, nodeId, nextId)
local raw, nextRaw = states[1], states[2]
if not raw or not nextRaw or runningAttempt(raw) ~= 1 then return nil end
local specs = redis.call('HMGET', run.specs, nodeId, nextId)
local specJson, nextSpecJson = specs[1], specs[2]
if not specJson or not nextSpecJson or specHop(specJson) ~= nextId or not specReadsOnly(nextSpecJson, nodeId) then return nil end
local nextNode = readState(nextRaw, nextId)
if nextNode.status ~= NODE_PENDING or nextNode.waiting ~= 1 or nextNode.attempts or nextNode.hold then return nil end
local meta = redis.call('HMGET', run.meta, 'status', 'trace', 'unfinished', 'reopened', 'events')
if meta[1] ~= RUN_RUNNING or meta[2] or (tonumber(meta[3]) or 0) < 2 then return nil end

eventsFor(run, runId, meta[5])
eventsWorker(ARGV[7])
local now = nowMs()
redis.call('ZREM', KEYS[6], ARGV[5])
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
redis.call('ZADD', KEYS[7], formatScore(now + tonumber(ARGV[6])), message)
emitEvent('node.succeeded', nodeId, 1, specTask(specJson))
emitEvent('node.started', nextId, 1, specTask(nextSpecJson))
flushEvents()
local head = '[1,' .. (nextNode.leaseExpiries or 0) .. ',' .. (nextNode.attemptOffset or 0) .. ','
local contextJson = plainContextJson(now, now, tonumber(meta[4] or '0'))
return { message, head .. nextSpecJson .. ',' .. contextJson .. ',[' .. resultJson .. '],[]]' }
