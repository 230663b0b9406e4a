--[[
  fail-node: an attempt failed. Fenced by attempt like complete-node, and also by its lease: a
  report from an attempt whose lease already expired is stale. Records the error, then either
  schedules another attempt after a delay (the worker decided from the task's retry policy,
  which lives with the task's code) or fails the node for good: everything downstream of it is
  cancelled, the error callbacks guarding it fire (includes/fail.lua; the worker then calls
  fire-errbacks) and the run fails. Nodes already running elsewhere may still finish. In a run
  that was cancelled the node is cancelled instead. In a failed run only a node of an error
  callback (its spec's errback) retries; its failure for good fires nothing outside it.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     leases    of the node's queue
  KEYS[16]     delayed   of the node's queue
  KEYS[17]     signal    of the node's queue

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  attempt that failed
  ARGV[4]  error JSON { name, message, stack?, code? }
  ARGV[5]  message of the node (its lease member)
  ARGV[6]  retry delay in ms, or -1 to fail for good
  ARGV[7]  run's pub/sub channel

  Returns: 'stale' (fenced off), 'retrying', 'cancelled' (the run ended), 'failed' (the node
           failed for good in a run that had already failed) or 'run-failed' (this failure
           failed the run)
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"
--- @include "cancel"
--- @include "fail"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local leasesKey, delayedKey, signalKey = KEYS[RUN_KEY_COUNT + 1], KEYS[RUN_KEY_COUNT + 2], KEYS[RUN_KEY_COUNT + 3]
local runId, nodeId, attempt, errorJson, message = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5]
statesOfRun(runId)
local retryDelayMs = tonumber(ARGV[6])
local channel = ARGV[7]

local node = loadNode(run.nodes, nodeId)
if not node or node.status ~= NODE_RUNNING or node.attempts ~= attempt then
  return 'stale'
end
-- The attempt must still hold its lease. Once the lease expired and claim moved the message
-- back to ready, the node belongs to its redelivery: a late failure report (often the worker's
-- own LeaseLostError) must neither schedule a second delivery nor fail the run.
if redis.call('ZREM', leasesKey, message) == 0 then
  return 'stale'
end

local now = nowMs()
redis.call('HSET', run.errors, nodeId, errorJson)
local runStatus = redis.call('HGET', run.meta, 'status')

-- In a failed run, a node of an error callback retries as in a running one.
local function goesOnWhenFailed()
  local raw = redis.call('HGET', run.specs, nodeId)
  return raw and runsWhenFailed(decodeSpec(raw))
end
local retriesHere = runStatus == RUN_RUNNING or (runStatus == RUN_FAILED and goesOnWhenFailed())
if runStatus == RUN_CANCELLED or (retryDelayMs >= 0 and not retriesHere) then
  cancelStartedNode(run, nodeId, node, now)
  applyRetention(run)
  flushEvents()
  return 'cancelled'
end

if retryDelayMs >= 0 then
  node.status = NODE_DELAYED
  node.queuedAt = now
  saveNode(run.nodes, nodeId, node)
  redis.call('ZADD', delayedKey, formatScore(now + retryDelayMs), message)
  ensureSignal(signalKey)
  emitEvent('node.retrying', nodeId, attempt, specTask(redis.call('HGET', run.specs, nodeId)),
    '{"delayMs":' .. retryDelayMs .. ',"error":' .. errorJson .. '}')
  flushEvents()
  return 'retrying'
end

local wasRunning = runStatus == RUN_RUNNING
failNodeForGood(run, runId, nodeId, node, now, channel, errorJson)
flushEvents()
return wasRunning and 'run-failed' or 'failed'
