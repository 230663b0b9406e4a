--[[
  delete-run: delete a finished run: its keys, its index entries and its tombstone, so that it
  reads afterwards as never submitted (RunNotFoundError). A running run is refused (RUN_ACTIVE):
  the caller cancels it first when the deletion is forced (RunStore.delete), so that its queued
  messages are withdrawn and its running attempts told to abort.

  A finished run may still have attempts running (an independent branch of a failed run, a
  handler of a cancelled run that ignores its AbortSignal) and messages left in a queue. Their
  messages are withdrawn here, wherever they are (ready, delayed, leased): no worker starts
  them later. A worker still holding such an attempt gets 'stale' from complete-nodes and
  fail-node (the node's state is gone) and 0 from extend-lease, so nothing it reports writes a
  key of the deleted run again.

  The nodes' messages are looked for from the meta's deleteCursor on: RunStore.delete first
  walks the run with delete-nodes, a bounded range per call, so that this call has no node left
  to look at and stays short whatever the run's size; called alone, it walks every node. The
  keys go by UNLINK: a large hash is freed in the background, not while Redis waits.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts); the shard's event stream (KEYS[13]) is
               left alone: a deleted run's events leave it only when it is trimmed
  KEYS[15..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2..] the queue names, in KEYS order

  Returns: { 'deleted', the status the run had, messages withdrawn }
       or  the error reply RUN_MISSING, RUN_ACTIVE, or QUEUE_KEYS_MISSING <queue>
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"
--- @include "queues"
--- @include "ranges"
--- @include "withdraw"

local run = runKeysFrom(KEYS)
local runId = ARGV[1]
statesOfRun(runId)

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount', 'indexMember', 'deleteCursor')
local status = meta[1]
if not status then return redis.error_reply('RUN_MISSING') end
if status == RUN_RUNNING then return redis.error_reply('RUN_ACTIVE') end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 1, ARGV, 2, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end

-- The nodes delete-nodes has not looked at yet (all of them when it was not called).
local ids = {}
for index = tonumber(meta[5] or '0'), (tonumber(meta[3]) or 0) - 1 do ids[#ids + 1] = tostring(index) end
local withdrawn = withdrawWaitingMessages(run.nodes, run.specs, runId, ids, queues)
trimRunRanges(run.meta, runId, queues, nil)

redis.call('UNLINK', unpack(runDataKeys(run)))
local member = meta[4]
if member then
  redis.call('ZREM', run.all, member)
  for _, key in pairs(run.byStatus) do redis.call('ZREM', key, member) end
  redis.call('ZREM', run.expiry, member)
end
redis.call('ZREM', run.expired, runId)
-- An error callback fired and not yet released has nothing left to release.
redis.call('ZREM', run.errbacks, runId)
return { 'deleted', status, withdrawn }
