--[[
  fire-errbacks: release the error callbacks whose error nodes fired (includes/fail.lua
  fireGuards: the error node succeeded with the failure as its value, its id went into the meta's
  errbacksDue and the run into the shard's errbacks set). For each such error node, the nodes
  after it (the callback's first steps) count it as done and are enqueued when nothing else is
  left to wait for, in a failed run too (their spec's errback lets them start there). Then the
  run leaves the errbacks set. Called by the worker whose report failed the node, right after;
  by the repair sweep for a run left in the set (that worker died in between, or the node failed
  where no worker was told: too many lease expiries). Idempotent: a second call finds nothing
  due. Costs O(callbacks' first steps).

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2..] the queue names, in KEYS order

  Returns: the number of nodes enqueued
       or  the error reply QUEUE_KEYS_MISSING <queue>
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "events"
--- @include "nodes"
--- @include "node-state"
--- @include "run"
--- @include "queues"
--- @include "enqueue"

local run = runKeysFrom(KEYS)
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId = ARGV[1]
eventsFor(run, runId)
statesOfRun(runId)

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'errbacksDue')
if not meta[1] or not meta[3] then
  -- A run deleted, or one whose callbacks were released already.
  redis.call('ZREM', run.errbacks, runId)
  return 0
end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 2, ARGV, 2, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end

local now = nowMs()
local enqueued = 0
for errorId in string.gmatch(meta[3], '[^,]+') do
  local spec = loadSpec(run.specs, errorId)
  for _, dependantId in ipairs((spec and spec.next) or {}) do
    local dependant = loadNode(run.nodes, dependantId)
    -- Pending and counting the error node (a reopen sweep may have reset it meanwhile: then it
    -- counts whatever is not succeeded, which the error node now is, so one less too).
    if dependant and dependant.status == NODE_PENDING and (dependant.waiting or 0) > 0 then
      dependant.waiting = dependant.waiting - 1
      if dependant.waiting == 0 and dependant.hold == nil then
        local dependantSpec = loadSpec(run.specs, dependantId)
        enqueueNode(queues[dependantSpec.queue], sequenceKey, runId, dependantId, dependant, dependantSpec, now)
        enqueued = enqueued + 1
      end
      saveNode(run.nodes, dependantId, dependant)
    end
  end
end
redis.call('HDEL', run.meta, 'errbacksDue')
redis.call('ZREM', run.errbacks, runId)
if meta[1] ~= RUN_RUNNING then applyRetention(run) end
flushEvents()
return enqueued
