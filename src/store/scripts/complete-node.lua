--[[
  complete-node: an attempt succeeded. Fenced by attempt: a completion from any attempt but the
  node's current one (a worker that stalled past its lease, a duplicate) changes nothing.
  Otherwise stores the result, marks the node succeeded, and for each dependant decrements its
  count of unfinished dependencies (O(1) per completion, whatever the fan-in width), enqueuing
  the dependants that reach zero. If the worker has a free slot for it, one of them is started
  right here and returned, saving the worker a claim round trip (a chain hop costs one script).
  The run succeeds when its last unfinished node does.

  In a failed run the result is kept (resume needs it) but the dependants are cancelled instead
  of enqueued. In a cancelled run the late result is discarded and the node is cancelled.

  KEYS[1..12]  the run's keys (RunKeys in keys.ts)
  KEYS[13]     leases of the node's own queue
  KEYS[14]     sequence
  KEYS[15..]   for each queue the node's dependants are delivered on, four keys:
               ready, delayed, leases, signal

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  attempt that completed
  ARGV[4]  result JSON
  ARGV[5]  message of the node (its lease member)
  ARGV[6]  run's pub/sub channel
  ARGV[7]  "1" if the worker can start one dependant now, else "0"
  ARGV[8]  lease length in ms (for a dependant started here)
  ARGV[9]  the attempt's span context (W3C traceparent), "" when tracing is off
  ARGV[10..] for each dependant queue, in KEYS order, two values: queue name, "1" if this worker
            consumes that queue else "0"

  Returns: { 'stale' }                          the attempt was fenced off
           { 'discarded' }                      the run was cancelled; the result was dropped
           { 'completed', runFinished }         done; nothing handed back. runFinished is 1 when
                                                this completion made the run succeed
           { 'completed', runFinished, message, queueName, 'started', attempt, leaseExpiries,
             attemptOffset, specJson, contextJson, inputNodeId, inputResult, ... }
                                                done, and this dependant is now the worker's
]]
--- @include "common"
--- @include "run"
--- @include "cancel"
--- @include "enqueue"
--- @include "start"

local run = runKeysFrom(KEYS)
local ownLeasesKey, sequenceKey = KEYS[RUN_KEY_COUNT + 1], KEYS[RUN_KEY_COUNT + 2]
local runId, nodeId, attempt, resultJson, ownMessage, channel =
  ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local canTakeOne = ARGV[7] == '1'
local leaseMs = tonumber(ARGV[8])

local node = loadNode(run.nodes, nodeId)
if not node or node.status ~= 'running' or node.attempts ~= attempt then
  return { 'stale' }
end

local firstQueueKey = RUN_KEY_COUNT + 3
local queues = {}
for index = 1, (#KEYS - firstQueueKey + 1) / 4 do
  local base = firstQueueKey + (index - 1) * 4
  queues[ARGV[8 + index * 2]] = {
    ready = KEYS[base], delayed = KEYS[base + 1], leases = KEYS[base + 2], signal = KEYS[base + 3],
    consumed = ARGV[9 + index * 2] == '1',
  }
end
-- Every dependant is delivered on one of spec.nextQueues: check their keys before any write,
-- since Redis does not roll back a script's writes when it errors later.
local spec = loadSpec(run.specs, nodeId)
for _, queueName in ipairs(spec.nextQueues or {}) do
  if not queues[queueName] then return redis.error_reply('QUEUE_KEYS_MISSING ' .. queueName) end
end

local now = nowMs()
redis.call('ZREM', ownLeasesKey, ownMessage)
local runStatus = redis.call('HGET', run.meta, 'status')

if runStatus == 'cancelled' then
  cancelStartedNode(run, nodeId, node, now)
  applyRetention(run)
  return { 'discarded' }
end

redis.call('HSET', run.results, nodeId, resultJson)
redis.call('HDEL', run.errors, nodeId)
node.status = 'succeeded'
node.finishedAt = now
if ARGV[9] ~= '' then node.span = ARGV[9] end
saveNode(run.nodes, nodeId, node)
local unfinished = redis.call('HINCRBY', run.meta, 'unfinished', -1)

local reply = { 'completed', 0 }
if spec.next then
  if runStatus ~= 'running' then
    cancelNodes(run, spec.next, now)
  else
    for _, dependantId in ipairs(spec.next) do
      local dependant = loadNode(run.nodes, dependantId)
      if dependant and dependant.status == 'pending' then
        dependant.waiting = dependant.waiting - 1
        if dependant.waiting > 0 then
          saveNode(run.nodes, dependantId, dependant)
        else
          local dependantSpec, dependantSpecJson = loadSpec(run.specs, dependantId)
          local queue = queues[dependantSpec.queue]
          local countdown = dependantSpec.countdownMs or 0
          if canTakeOne and queue.consumed and countdown == 0 then
            canTakeOne = false
            dependant.delivery = (dependant.delivery or 0) + 1
            local message = messageFor(runId, dependantId, dependant.delivery, dependantSpec.priority)
            dependant.queuedAt = now
            redis.call('ZADD', queue.leases, formatScore(now + leaseMs), message)
            local started = startNode(run, dependantId, dependant, dependantSpec, dependantSpecJson, now)
            reply[3] = message
            reply[4] = dependantSpec.queue
            for _, value in ipairs(started) do reply[#reply + 1] = value end
          else
            enqueueNode(queue, sequenceKey, runId, dependantId, dependant, dependantSpec, now)
            saveNode(run.nodes, dependantId, dependant)
          end
        end
      end
    end
  end
end

if runStatus ~= 'running' then
  applyRetention(run)
elseif unfinished == 0 then
  setRunStatus(run, runId, 'succeeded', now, channel)
  reply[2] = 1
end

return reply
