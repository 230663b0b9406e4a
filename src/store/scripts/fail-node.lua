--[[
  fail-node: an attempt failed. Fenced by attempt like complete-node, and also by its lease: a
  report from an attempt whose lease already expired is stale. Records the error, then
  either schedules another attempt after a delay (the worker decided from the task's retry
  policy, which lives with the task's code) or fails the node for good: everything downstream
  of it is cancelled and the run fails. Nodes already running elsewhere may still finish.

  KEYS[1]  run       hash: the run's meta
  KEYS[2]  nodes     hash: node id -> state JSON
  KEYS[3]  specs     hash: node id -> spec JSON
  KEYS[4]  errors    hash: node id -> last error JSON
  KEYS[5]  leases    of the node's queue
  KEYS[6]  delayed   of the node's queue
  KEYS[7]  signal    of the node's queue

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  attempt that failed
  ARGV[4]  error JSON { name, message, stack?, code? }
  ARGV[5]  message of the node (its lease member)
  ARGV[6]  retry delay in ms, or -1 to fail for good
  ARGV[7]  run's pub/sub channel

  Returns: 'stale' (fenced off), 'retrying', 'cancelled' (a retry in a run that ended) or 'failed'
]]
--- @include "common"
--- @include "cancel"
--- @include "fail"

local runKey, nodesKey, specsKey, errorsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local leasesKey, delayedKey, signalKey = KEYS[5], KEYS[6], KEYS[7]
local runId, nodeId, attempt, errorJson, message = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
local retryDelayMs = tonumber(ARGV[6])
local channel = ARGV[7]

local node = loadNode(nodesKey, nodeId)
if not node or node.status ~= 'running' or node.attempts ~= attempt then
  return 'stale'
end
-- The attempt must still hold its lease. Once the lease expired and claim moved the message
-- back to ready, the node belongs to its redelivery: a late failure report (often the worker's
-- own LeaseLostError) must neither schedule a second delivery nor fail the run.
if redis.call('ZREM', leasesKey, message) == 0 then
  return 'stale'
end

local now = nowMs()
redis.call('HSET', errorsKey, nodeId, errorJson)

if retryDelayMs >= 0 then
  if redis.call('HGET', runKey, 'status') ~= 'running' then
    cancelStartedNode(runKey, nodesKey, specsKey, nodeId, node, now)
    return 'cancelled'
  end
  node.status = 'delayed'
  node.queuedAt = now
  saveNode(nodesKey, nodeId, node)
  redis.call('ZADD', delayedKey, formatScore(now + retryDelayMs), message)
  ensureSignal(signalKey)
  return 'retrying'
end

failNodeForGood(runKey, nodesKey, specsKey, nodeId, node, now, channel)
return 'failed'
