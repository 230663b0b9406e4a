--[[
  complete-node: an attempt succeeded. Fenced by attempt: a completion from any attempt but the
  node's current one (a worker that stalled past its lease, a duplicate) changes nothing.
  Otherwise stores the result, marks the node succeeded, and for each dependant decrements its
  count of unfinished dependencies (O(1) per completion, whatever the fan-in width), enqueuing
  the dependants that reach zero. If the worker has a free slot for it, one of them is started
  right here and returned, saving the worker a claim round trip (a chain hop costs one script).
  The run succeeds when its last unfinished node does.

  In a run that is no longer running (failed or cancelled), the result is still kept, but the
  dependants are cancelled instead of enqueued.

  KEYS[1]  run       hash: the run's meta
  KEYS[2]  nodes     hash: node id -> state JSON
  KEYS[3]  specs     hash: node id -> spec JSON
  KEYS[4]  results   hash: node id -> result JSON
  KEYS[5]  errors    hash: node id -> last error JSON
  KEYS[6]  leases of the node's own queue
  KEYS[7]  sequence
  KEYS[8..] for each queue the node's dependants are delivered on, four keys:
            ready, delayed, leases, signal

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  attempt that completed
  ARGV[4]  result JSON
  ARGV[5]  message of the node (its lease member)
  ARGV[6]  run's pub/sub channel
  ARGV[7]  "1" if the worker can start one dependant now, else "0"
  ARGV[8]  lease length in ms (for a dependant started here)
  ARGV[9..] for each dependant queue, in KEYS order, two values: queue name, "1" if this worker
            consumes that queue else "0"

  Returns: { 'stale' }                          the attempt was fenced off
           { 'completed' }                      done; nothing handed back
           { 'completed', message, queueName, 'started', attempt, leaseExpiries, specJson,
             inputNodeId, inputResult, ... }    done, and this dependant is now the worker's
]]
--- @include "common"
--- @include "cancel"
--- @include "enqueue"
--- @include "start"

local runKey, nodesKey, specsKey, resultsKey, errorsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local ownLeasesKey, sequenceKey = KEYS[6], KEYS[7]
local runId, nodeId, attempt, resultJson, ownMessage, channel =
  ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
local canTakeOne = ARGV[7] == '1'
local leaseMs = tonumber(ARGV[8])

local node = loadNode(nodesKey, nodeId)
if not node or node.status ~= 'running' or node.attempts ~= attempt then
  return { 'stale' }
end

local queues = {}
for index = 1, (#KEYS - 7) / 4 do
  local base = 8 + (index - 1) * 4
  queues[ARGV[7 + index * 2]] = {
    ready = KEYS[base], delayed = KEYS[base + 1], leases = KEYS[base + 2], signal = KEYS[base + 3],
    consumed = ARGV[8 + index * 2] == '1',
  }
end
-- Every dependant is delivered on one of spec.nextQueues: check their keys before any write,
-- since Redis does not roll back a script's writes when it errors later.
local spec = loadSpec(specsKey, nodeId)
for _, queueName in ipairs(spec.nextQueues or {}) do
  if not queues[queueName] then return redis.error_reply('QUEUE_KEYS_MISSING ' .. queueName) end
end

local now = nowMs()
redis.call('ZREM', ownLeasesKey, ownMessage)
redis.call('HSET', resultsKey, nodeId, resultJson)
redis.call('HDEL', errorsKey, nodeId)
node.status = 'succeeded'
node.finishedAt = now
saveNode(nodesKey, nodeId, node)
local unfinished = redis.call('HINCRBY', runKey, 'unfinished', -1)
local runStatus = redis.call('HGET', runKey, 'status')

local reply = { 'completed' }
if spec.next then
  if runStatus ~= 'running' then
    cancelNodes(runKey, nodesKey, specsKey, spec.next, now)
  else
    for _, dependantId in ipairs(spec.next) do
      local dependant = loadNode(nodesKey, dependantId)
      if dependant and dependant.status == 'pending' then
        dependant.waiting = dependant.waiting - 1
        if dependant.waiting > 0 then
          saveNode(nodesKey, dependantId, dependant)
        else
          local dependantSpec, dependantSpecJson = loadSpec(specsKey, dependantId)
          local queue = queues[dependantSpec.queue]
          local countdown = dependantSpec.countdownMs or 0
          if canTakeOne and queue.consumed and countdown == 0 then
            canTakeOne = false
            local message = messageFor(runId, dependantId, dependantSpec.priority)
            dependant.queuedAt = now
            redis.call('ZADD', queue.leases, formatScore(now + leaseMs), message)
            local started = startNode(nodesKey, resultsKey, dependantId, dependant, dependantSpec, dependantSpecJson, now)
            reply[2] = message
            reply[3] = dependantSpec.queue
            for _, value in ipairs(started) do reply[#reply + 1] = value end
          else
            enqueueNode(queue, sequenceKey, runId, dependantId, dependant, dependantSpec, now)
            saveNode(nodesKey, dependantId, dependant)
          end
        end
      end
    end
  end
end

if unfinished == 0 and runStatus == 'running' then
  redis.call('HSET', runKey, 'status', 'succeeded', 'finishedAt', now)
  redis.call('PUBLISH', channel, 'succeeded')
end

return reply
