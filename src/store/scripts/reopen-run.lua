--[[
  reopen-run: begin a resume or a rerun. Succeeded nodes keep their results and never run
  again, except those downstream of a rerun's node.

    resume              failed and cancelled nodes become runnable again (in a cancelled run, so do
                        the nodes whose attempts were still running and are being aborted); a run
                        that is running or succeeded is left as it is (calling it twice is safe)
    rerun from node X   X and everything downstream of it are reset (their results dropped),
                        then, as for resume, failed and cancelled nodes become runnable again:
                        a run is never left half failed

  This call only begins: the run becomes running at once (one run.reopened event), and the
  nodes are reset by reopen-nodes, a bounded range of node ids per call, until it says the
  sweep is done (RunStore.reopen loops; see reopen-nodes.lua for why the run may be running
  while the sweep goes on). Costs O(1) in the run's size, plus O(messages leased on the run's
  queues) for a cancelled run: the attempts still running in it are fenced off here (their node
  becomes cancelled, their lease goes), so that their abort reports, arriving once the run is
  running again, are stale instead of failing it.

  The sweep is written in the run's meta (reopenCursor: next node id; reopenFrom: X or "";
  reopenToken: the run's `reopened` count, which marks the nodes this sweep reset ahead of
  their turn), and `unfinished` holds one more than the nodes while it lasts, so that the run
  cannot succeed before the sweep has reset every node it must. A sweep left half done (its
  process died) is finished by the next reopen-run caller or by the repair sweep.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  "resume" or "rerun"
  ARGV[3]  node id to rerun from ("" for resume)
  ARGV[4]  run's pub/sub channel
  ARGV[5..] the queue names, in KEYS order

  Returns: { 'reopening' }  the sweep has begun: call reopen-nodes until it is done
       or  { 'unchanged', status }
       or  { 'busy' }  an earlier sweep is not done: finish it with reopen-nodes, then call again
       or  the error replies RUN_MISSING, NODE_MISSING, NODE_SKIPPED (a rerun from a node of a when's branch not taken),
           NODE_ADDED (a rerun from a node a map added at run time)
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"
--- @include "queues"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local runId, mode, fromNode, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
statesOfRun(runId)

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'reopenCursor', 'nodeCount')
local runStatus = meta[1]
if not runStatus then return redis.error_reply('RUN_MISSING') end
local damage = missingSpecs(run, tonumber(meta[4]))
if damage then return runDamaged(runId, damage) end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 2, ARGV, 5, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end
if mode == 'rerun' then
  local fromSpec = redis.call('HGET', run.specs, fromNode)
  if not fromSpec then return redis.error_reply('NODE_MISSING') end
  -- A node a map added comes after the map node, which a rerun from it would have to reach.
  if decodeSpec(fromSpec).parent then return redis.error_reply('NODE_ADDED') end
  local fromState = redis.call('HGET', run.nodes, fromNode)
  if fromState and stateStatus(fromState, fromNode) == NODE_SKIPPED then return redis.error_reply('NODE_SKIPPED') end
end
if meta[3] then return { 'busy' } end
if mode == 'resume' and (runStatus == RUN_RUNNING or runStatus == RUN_SUCCEEDED) then
  return { 'unchanged', runStatus }
end

local now = nowMs()
-- In a cancelled run, attempts still running are being aborted by their workers: fence them off
-- now (their node cancelled, their lease withdrawn), before the run is running again, so that
-- their abort reports are stale; the sweep then resets them with the other cancelled nodes.
-- Their messages are in the leases of the run's queues, so this costs what is leased there.
if runStatus == RUN_CANCELLED then
  local fenced = 0
  for _, queue in pairs(queues) do
    for _, message in ipairs(redis.call('ZRANGE', queue.leases, 0, -1)) do
      local messageRun, nodeId, delivery = messageParts(message)
      if messageRun == runId then
        local node = loadNode(run.nodes, nodeId)
        if node and node.status == NODE_RUNNING and node.delivery == tonumber(delivery) then
          node.status = NODE_CANCELLED
          node.finishedAt = now
          saveNode(run.nodes, nodeId, node)
          fenced = fenced + 1
        end
        redis.call('ZREM', queue.leases, message)
      end
    end
  end
  if fenced > 0 then countUnfinished(run, -fenced) end
end

-- A cancel sweep left half done stops here: the nodes it had not reached are as they were while
-- the run ran (queued with their message, pending), which is right for a running run.
-- A delete cut short starts over if it comes again: the reopen enqueues nodes behind its cursor.
redis.call('HDEL', run.meta, 'cancelCursor', 'deleteCursor')
local token = redis.call('HINCRBY', run.meta, 'reopened', 1)
-- The sweep's hold on `unfinished`, released by reopen-nodes when it is done.
countUnfinished(run, 1)
-- A running or succeeded run has no failed or cancelled node: a rerun's sweep starts at X, as
-- node ids are a topological order (graph/compile.ts) and nothing before X is reset.
local first = 0
if mode == 'rerun' and (runStatus == RUN_RUNNING or runStatus == RUN_SUCCEEDED) then first = tonumber(fromNode) end
redis.call('HSET', run.meta, 'reopenCursor', first, 'reopenFrom', fromNode, 'reopenToken', token, 'reopenTally', '0:0')
emitEvent('run.reopened', nil, nil, nil,
  mode == 'rerun' and ('{"mode":"rerun","from":"' .. fromNode .. '"}') or '{"mode":"resume"}')
setRunStatus(run, runId, RUN_RUNNING, now, channel)
flushEvents()
return { 'reopening' }
