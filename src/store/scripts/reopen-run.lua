--[[
  reopen-run: resume a run, or rerun part of it. Succeeded nodes keep their results and never
  run again, except those downstream of a rerun's node.

    resume              failed and cancelled nodes become runnable again (in a cancelled run, so do
                        the nodes whose attempts were still running and are being aborted); a run
                        that is running or succeeded is left as it is (calling it twice is safe)
    rerun from node X   X and everything downstream of it are reset (their results dropped),
                        then, as for resume, failed and cancelled nodes become runnable again:
                        a run is never left half failed

  A reset node waits for its dependencies that have not succeeded, or is enqueued at once (a
  node.queued event each, after the run.reopened event). Its
  attempts keep counting (inspect shows the total), but it gets a fresh retry budget and lease
  expiry count (attemptOffset). Any message of a reset node still in a queue is withdrawn
  first, and a running attempt of a reset node is fenced off (its node is no longer running
  with that attempt). The run becomes running again and stops expiring. Costs O(nodes + edges).

  KEYS[1..13]  the run's keys (runScriptKeys in keys.ts)
  KEYS[14]     sequence
  KEYS[15..]   for each queue the run uses (its meta's `queues`), four keys:
               ready, delayed, leases, signal

  ARGV[1]  run id
  ARGV[2]  "resume" or "rerun"
  ARGV[3]  node id to rerun from ("" for resume)
  ARGV[4]  run's pub/sub channel
  ARGV[5..] the queue names, in KEYS order

  Returns: { 'reopened', nodes reset, nodes enqueued, run status now }
       or  { 'unchanged', status }
       or  the error replies RUN_MISSING, NODE_MISSING
]]
--- @include "common"
--- @include "nodes"
--- @include "events"
--- @include "run"
--- @include "queues"
--- @include "enqueue"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId, mode, fromNode, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount')
local runStatus = meta[1]
if not runStatus then return redis.error_reply('RUN_MISSING') end
local damage = missingSpecs(run, tonumber(meta[3]))
if damage then return runDamaged(runId, damage) end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 2, ARGV, 5, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end
if mode == 'rerun' and redis.call('HEXISTS', run.specs, fromNode) == 0 then
  return redis.error_reply('NODE_MISSING')
end
if mode == 'resume' and (runStatus == 'running' or runStatus == 'succeeded') then
  return { 'unchanged', runStatus }
end

-- Every node, in id order ("0" .. nodeCount - 1): a root that never started has no state stored.
local states, specs, order = {}, {}, {}
local raw = redis.call('HGETALL', run.nodes)
for position = 1, #raw, 2 do states[raw[position]] = cjson.decode(raw[position + 1]) end
for index = 0, tonumber(meta[3]) - 1 do
  local nodeId = tostring(index)
  order[#order + 1] = nodeId
  states[nodeId] = states[nodeId] or initialRootState()
end
raw = redis.call('HGETALL', run.specs)
for position = 1, #raw, 2 do specs[raw[position]] = decodeSpec(raw[position + 1]) end

-- Which nodes to reset.
local reset = {}
if mode == 'rerun' then
  local stack = { fromNode }
  while #stack > 0 do
    local nodeId = table.remove(stack)
    if not reset[nodeId] then
      reset[nodeId] = 'rerun'
      for _, dependant in ipairs(specs[nodeId].next or {}) do stack[#stack + 1] = dependant end
    end
  end
end
-- In a cancelled run, attempts still running are being aborted by their workers: reset them
-- too, so that their abort reports (fenced off by the withdrawn lease) do not fail the
-- reopened run. In a failed run they are independent branches and may finish.
for _, nodeId in ipairs(order) do
  local status = states[nodeId].status
  if not reset[nodeId] and (status == 'failed' or status == 'cancelled' or (status == 'running' and runStatus == 'cancelled')) then
    reset[nodeId] = 'resume'
  end
end

local now = nowMs()
local resetCount = 0
for _, nodeId in ipairs(order) do
  if reset[nodeId] then
    local node, spec = states[nodeId], specs[nodeId]
    withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
    if reset[nodeId] == 'rerun' then redis.call('HDEL', run.results, nodeId) end
    node.status = 'pending'
    node.waiting = 0
    node.attemptOffset = node.attempts or 0
    node.leaseExpiries = nil
    node.finishedAt = nil
    node.progress = nil
    resetCount = resetCount + 1
  end
end

-- A reset node waits for each dependency that has not succeeded (O(edges)).
for _, nodeId in ipairs(order) do
  if states[nodeId].status ~= 'succeeded' then
    for _, dependant in ipairs(specs[nodeId].next or {}) do
      if reset[dependant] then states[dependant].waiting = states[dependant].waiting + 1 end
    end
  end
end

-- Before the nodes' node.queued events (enqueueNode): a reader learns the run reopened first.
emitEvent('run.reopened', nil, nil, nil,
  mode == 'rerun' and ('{"mode":"rerun","from":"' .. fromNode .. '"}') or '{"mode":"resume"}')
local enqueued, unfinished = 0, 0
for _, nodeId in ipairs(order) do
  local node = states[nodeId]
  if reset[nodeId] then
    if node.waiting == 0 then
      enqueueNode(queues[specs[nodeId].queue], sequenceKey, runId, nodeId, node, specs[nodeId], now)
      enqueued = enqueued + 1
    end
    saveNode(run.nodes, nodeId, node)
  end
  local status = node.status
  if status ~= 'succeeded' and status ~= 'failed' and status ~= 'cancelled' then unfinished = unfinished + 1 end
end

redis.call('HSET', run.meta, 'unfinished', unfinished)
redis.call('HINCRBY', run.meta, 'reopened', 1)
local status = unfinished == 0 and 'succeeded' or 'running'
setRunStatus(run, runId, status, now, channel)
flushEvents()
return { 'reopened', resetCount, enqueued, status }
