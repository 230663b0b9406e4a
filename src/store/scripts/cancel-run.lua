--[[
  cancel-run: begin cancelling a running run. The run becomes cancelled at once: from then on no
  worker starts a node of it (start-nodes cancels a node of a run that is not running instead),
  late results are discarded by complete-nodes, and result() rejects with
  WorkflowCancelledError. Running attempts are told through the cancellations channel (and
  their next heartbeat). The nodes that had not started (pending, queued, delayed) are then
  cancelled and their messages withdrawn by cancel-nodes, a bounded range of node ids per call
  (RunStore.cancel loops), from the meta's cancelCursor. A process that dies between those calls
  leaves a run that is cancelled and safe (what it had not reached cannot start), and the next
  cancel() or the repair sweep carries the sweep on. A run that already finished is left as it
  is. Costs O(1) in the run's size.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  run's pub/sub channel
  ARGV[3]  the app's cancellations channel (workers abort the run's running attempts)
  ARGV[4..] the queue names, in KEYS order

  Returns: { 'cancelling' }  call cancel-nodes until it is done
       or  { 'unchanged', status }  when the run had already finished
       or  the error reply RUN_MISSING
]]
--- @include "common"
--- @include "template"
--- @include "events"
--- @include "run"
--- @include "queues"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local runId, channel, cancellations = ARGV[1], ARGV[2], ARGV[3]

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount')
if not meta[1] then return redis.error_reply('RUN_MISSING') end
if meta[1] ~= RUN_RUNNING then return { 'unchanged', meta[1] } end
local damage = missingSpecs(run, tonumber(meta[3]))
if damage then return runDamaged(runId, damage) end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 1, ARGV, 4, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end

-- A reopen sweep still going on goes on in its cleanup mode (reopen-nodes.lua).
redis.call('HSET', run.meta, 'cancelCursor', 0, 'cancelTally', '0:0')
setRunStatus(run, runId, RUN_CANCELLED, nowMs(), channel)
-- Whether any attempt is running is known only once every node is looked at: told anyway.
redis.call('PUBLISH', cancellations, runId)
flushEvents()
return { 'cancelling' }
