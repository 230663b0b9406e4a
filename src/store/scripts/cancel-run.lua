--[[
  cancel-run: stop a running run. Nodes that have not started (pending, queued, delayed) are
  cancelled at once and their messages withdrawn from the queues, so no worker starts them.
  Running attempts are told through the cancellations channel (and their next heartbeat); their
  late results are discarded by complete-node. The run becomes cancelled; result() rejects with
  WorkflowCancelledError. A run that already finished is left as it is.

  KEYS[1..13]  the run's keys (runScriptKeys in keys.ts)
  KEYS[14..]   for each queue the run uses (its meta's `queues`), four keys:
               ready, delayed, leases, signal

  ARGV[1]  run id
  ARGV[2]  run's pub/sub channel
  ARGV[3]  the app's cancellations channel (workers abort the run's running attempts)
  ARGV[4..] the queue names, in KEYS order

  Returns: { 'cancelled', nodes cancelled now, attempts still running }
       or  { 'unchanged', status }  when the run had already finished
       or  the error reply RUN_MISSING
]]
--- @include "common"
--- @include "nodes"
--- @include "events"
--- @include "run"
--- @include "queues"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local runId, channel, cancellations = ARGV[1], ARGV[2], ARGV[3]

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount')
if not meta[1] then return redis.error_reply('RUN_MISSING') end
if meta[1] ~= 'running' then return { 'unchanged', meta[1] } end
local damage = missingSpecs(run, tonumber(meta[3]))
if damage then return runDamaged(runId, damage) end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 1, ARGV, 4, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end

local now = nowMs()
local cancelled, running = 0, 0
-- Every node, ids "0" .. nodeCount - 1: a root that never started has no state stored.
local stored = {}
local raw = redis.call('HGETALL', run.nodes)
for position = 1, #raw, 2 do stored[raw[position]] = raw[position + 1] end
for index = 0, tonumber(meta[3]) - 1 do
  local nodeId = tostring(index)
  local node = stored[nodeId] and cjson.decode(stored[nodeId]) or initialRootState()
  if node.status == 'pending' or node.status == 'queued' or node.status == 'delayed' then
    if node.status ~= 'pending' then
      local spec = loadSpec(run.specs, nodeId)
      withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
    end
    node.status = 'cancelled'
    node.finishedAt = now
    saveNode(run.nodes, nodeId, node)
    emitEvent('node.cancelled', nodeId)
    cancelled = cancelled + 1
  elseif node.status == 'running' then
    running = running + 1
  end
end
if cancelled > 0 then redis.call('HINCRBY', run.meta, 'unfinished', -cancelled) end
setRunStatus(run, runId, 'cancelled', now, channel)
if running > 0 then redis.call('PUBLISH', cancellations, runId) end
flushEvents()
return { 'cancelled', cancelled, running }
