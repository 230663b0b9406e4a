-- complete-nodes' fast path for the call a chain makes at every hop (needs only the common and
-- run includes). It applies exactly when:
--   - ARGV holds one completion, with no span context (tracing is off), and one slot to fill;
--   - the completion is of attempt 1, and the node's state is the text of its first attempt
--     (startedStepJson, or startedRootJson for a chain's first step);
--   - its spec names one dependant, on the default queue, which the worker consumes;
--   - that dependant waits for this node alone and was never delivered (PENDING_ONE_JSON), and
--     its spec reads this node's result alone and has no queue, priority, countdown or eta
--     (specReadsOnly, spec.lua);
--   - the run is running, has no trace context, and does not finish here.
-- Then it makes the writes the general path makes for that call, with fewer calls and no
-- tables: the lease released, the result stored, `unfinished` counted down, the node succeeded
-- and the dependant started (both as text, one HSET), the dependant leased to the worker, and
-- the two events (node.succeeded, node.started) in one stream entry. It
-- returns the reply the general path would. Otherwise it returns nil having written nothing,
-- and the general path takes the call (test/integration/chain-step.test.ts holds the two paths
-- to the same writes and reply). Redis spends about a third less time on a hop this way
-- (docs/performance.md, "Chain").
-- queues: by name, { leases =, consumed = } (complete-nodes builds them from KEYS and ARGV);
-- first: the position of the completion in ARGV.
local function completeChainStep(run, runId, queues, leaseMs, first)
  if #ARGV ~= first + 5 or ARGV[3] ~= '1' or ARGV[first + 1] ~= '1' or ARGV[first + 5] ~= '' then return nil end
  local ownQueue, nextQueue = queues[ARGV[first + 4]], queues[DEFAULT_QUEUE]
  if not ownQueue or not nextQueue or not nextQueue.consumed then return nil end
  local nodeId = ARGV[first]
  local raw = redis.call('HGET', run.nodes, nodeId)
  if not raw then return nil end
  local queuedAt, startedAt = nil, startedRootAt(raw)
  if not startedAt then queuedAt, startedAt = startedStepAt(raw) end
  if not startedAt then return nil end
  local specJson = redis.call('HGET', run.specs, nodeId)
  local nextId = specJson and specSingleNext(specJson)
  if not nextId or redis.call('HGET', run.nodes, nextId) ~= PENDING_ONE_JSON then return nil end
  local nextSpecJson = redis.call('HGET', run.specs, nextId)
  if not nextSpecJson or not specReadsOnly(nextSpecJson, nodeId) then return nil end
  local meta = redis.call('HMGET', run.meta, 'status', 'trace', 'unfinished', 'reopened', 'events')
  if meta[1] ~= 'running' or meta[2] or (tonumber(meta[3]) or 0) < 2 then return nil end
  eventsFor(run, runId, meta[5])

  local now = nowMs()
  local resultJson = ARGV[first + 2]
  redis.call('ZREM', ownQueue.leases, ARGV[first + 3])
  redis.call('HSET', run.results, nodeId, resultJson)
  redis.call('HINCRBY', run.meta, 'unfinished', -1)
  local finishedAt = formatScore(now)
  local succeeded = queuedAt and succeededStepJson(queuedAt, startedAt, finishedAt) or succeededRootJson(startedAt, finishedAt)
  redis.call('HSET', run.nodes, nodeId, succeeded, nextId, startedStepJson(now))
  local message = messageFor(runId, nextId, 1, 0)
  redis.call('ZADD', nextQueue.leases, formatScore(now + leaseMs), message)
  emitEvent('node.succeeded', nodeId, 1, specTask(specJson))
  emitEvent('node.started', nextId, 1, specTask(nextSpecJson))
  flushEvents()
  local contextJson = plainContextJson(now, now, tonumber(meta[4] or '0'))
  return { 0, { 'completed' }, { message, DEFAULT_QUEUE, FIRST_START_HEAD .. nextSpecJson .. ',' .. contextJson .. ',[' .. resultJson .. '],[]]' }, {} }
end
