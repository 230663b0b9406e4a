--[[
  cancel-nodes: one bounded step of the sweep cancel-run began: node ids from the meta's
  cancelCursor, at most ARGV[2] of them. Nodes that have not started (pending, queued, delayed)
  are cancelled and their messages withdrawn; running ones are counted (their workers were
  told by cancel-run). Each call is atomic and moves the cursor, so the sweep can be carried on
  by anyone after a process died between calls. A node a worker claimed meanwhile was cancelled
  by start-nodes (the run is not running), with everything downstream of it: it is cancelled
  already when the sweep comes to it. Stops when the run is running again (a resume removed the
  cursor). Costs O(nodes in the range).

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  most node ids to handle in this call
  ARGV[3..] the queue names, in KEYS order

  Returns: { 'more', nodes cancelled, attempts running }  call again
       or  { 'done', nodes cancelled, attempts running }  the sweep is over
       or  { 'idle', run status, nodes cancelled, attempts running }  no sweep to carry on
  The counts are the sweep's totals so far, whoever took its steps (the meta's cancelTally,
  which cancel-run zeroes): a cancel() whose sweep the repair sweep carried on still reports
  what it did. After 'idle' they are those of the last sweep (0 when there was none).
       or  the error replies RUN_MISSING, QUEUE_KEYS_MISSING <queue>
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

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local runId, limit = ARGV[1], tonumber(ARGV[2])
statesOfRun(runId)

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount', 'cancelCursor', 'cancelTally')
if not meta[1] then return redis.error_reply('RUN_MISSING') end
local tally = sweepTally(meta[5])
if not meta[4] then return { 'idle', meta[1], tally[1], tally[2] } end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 1, ARGV, 3, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end
local nodeCount, first = tonumber(meta[3]), tonumber(meta[4])
local last = math.min(first + limit, nodeCount) - 1

local now = nowMs()
local ids = {}
for index = first, last do ids[#ids + 1] = tostring(index) end
local raw = loadRaw(run.nodes, ids)
-- The range's roots leave their range members here; each is withdrawn with its node below.
trimRunRanges(run.meta, runId, queues, last)
local writes = NodeWrites.new(run.nodes)
-- A state of a node that has finished is skipped without decoding (most of them, in a run
-- cancelled late): its status is read alone.
local toCancel, cancelled, running = {}, 0, 0
for _, nodeId in ipairs(ids) do
  local text = raw[nodeId]
  local status = text and stateStatus(text, nodeId)
  if status ~= NODE_SUCCEEDED and status ~= NODE_FAILED and status ~= NODE_CANCELLED and status ~= NODE_SKIPPED then
    local node = text and readState(text, nodeId) or initialRootState()
    if node.status == NODE_PENDING or node.status == NODE_QUEUED or node.status == NODE_DELAYED then
      toCancel[#toCancel + 1] = nodeId
      raw[nodeId] = node
    elseif node.status == NODE_RUNNING then
      running = running + 1
    end
  end
end
-- Only the specs of nodes with a message (a pending join's spec may be large).
local queued = {}
for _, nodeId in ipairs(toCancel) do
  if raw[nodeId].status ~= NODE_PENDING then queued[#queued + 1] = nodeId end
end
local specs = loadRaw(run.specs, queued)
for _, nodeId in ipairs(toCancel) do
  local node = raw[nodeId]
  if node.status ~= NODE_PENDING then
    local spec = decodeSpec(specs[nodeId])
    withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
  end
  node.status = NODE_CANCELLED
  node.finishedAt = now
  writes:add(nodeId, node)
  emitEvent('node.cancelled', nodeId)
  cancelled = cancelled + 1
end
writes:flush()
if cancelled > 0 then countUnfinished(run, -cancelled) end

local done = last + 1 >= nodeCount
tally = { tally[1] + cancelled, tally[2] + running }
redis.call('HSET', run.meta, 'cancelTally', tally[1] .. ':' .. tally[2])
if done then redis.call('HDEL', run.meta, 'cancelCursor') else redis.call('HSET', run.meta, 'cancelCursor', last + 1) end
-- Keys written after the finish expire with the run.
applyRetention(run)
flushEvents()
return { done and 'done' or 'more', tally[1], tally[2] }
