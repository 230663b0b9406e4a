--[[
  reopen-nodes: one bounded step of the sweep reopen-run began: node ids from the meta's
  reopenCursor, at most ARGV[2] of them, in id order. Each call is atomic and moves the cursor,
  so a process that dies between calls leaves a sweep that the next call (from anyone: the next
  resume or rerun, the repair sweep) carries on where it stopped.

  The run is running while the sweep goes on, so workers run what it has already enqueued. That
  is safe because node ids are a topological order (graph/compile.ts: every dependency of a node
  has a smaller id) and each node is handled at its turn as follows:

    - A node to reset (a failed or cancelled one; a rerun's X and, through the edges of the
      nodes reset for the rerun, everything downstream of X) is reset either at its own turn or
      earlier, by the turn of its first dependency that is not succeeded ("ahead of its turn").
      Reset: its message withdrawn (a running attempt is fenced off), its result dropped if the
      rerun reaches it, status pending, a fresh retry budget (attemptOffset).
    - At a node's turn, for each dependant reset by this sweep, it adds one to the dependant's
      `waiting` if it is not succeeded (complete-nodes subtracts it again when it succeeds). A
      pending dependant that was not reset gets one more when this node was succeeded until its
      reset (now, or ahead of its turn: its state's `rerun` is 2). Every dependency has its turn before its dependant, so when a node's own
      turn comes, every dependency that is not succeeded has been counted.
    - A node reset ahead of its turn holds one extra `waiting` (its state's `hold` is this
      sweep's token) until its turn: complete-nodes cannot make it ready before all its
      dependencies are counted. At its turn the hold is released, and the node is enqueued if
      nothing is left to wait for. A node reset at its own turn waits for nothing: enqueued.
    - A succeeded node that is not reset is passed over (its dependants are counted by others).
      A skipped node (a `when`'s branch not taken) counts as succeeded throughout: it is done for
      its dependants, is not reset by a resume, and is reset by a rerun that reaches it (its
      `when` decides again).

  `unfinished` holds one extra while the sweep lasts (reopen-run), released by the last call:
  the run succeeds then if nothing is left. If the run stopped running meanwhile (a node failed
  for good, or it was cancelled), the sweep resets nothing more: it only releases the holds of
  the nodes it had reset ahead of their turn, cancelling those left waiting for nothing, so that
  a later resume finds consistent counts. Costs O(nodes in the range + their edges).

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  most node ids to handle in this call
  ARGV[3]  run's pub/sub channel
  ARGV[4..] the queue names, in KEYS order

  Returns: { 'more', nodes reset, nodes enqueued }           call again
       or  { 'done', nodes reset, nodes enqueued, run status } the sweep is over
       or  { 'idle', run status, nodes reset, nodes enqueued } no sweep to carry on
  The counts are the sweep's totals so far, whoever took its steps (the meta's reopenTally,
  which reopen-run zeroes); after 'idle', those of the last sweep (0 when there was none).
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
--- @include "enqueue"
--- @include "expansion"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId, limit, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3]
statesOfRun(runId)

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount', 'reopenCursor', 'reopenFrom', 'reopenToken', 'reopenTally')
local runStatus = meta[1]
if not runStatus then return redis.error_reply('RUN_MISSING') end
local tally = sweepTally(meta[7])
if not meta[4] then return { 'idle', runStatus, tally[1], tally[2] } end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 2, ARGV, 4, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end
local nodeCount, first, fromNode, token = tonumber(meta[3]), tonumber(meta[4]), meta[5], tonumber(meta[6])
local last = math.min(first + limit, nodeCount) - 1
local cleanup = runStatus ~= RUN_RUNNING
local now = nowMs()

-- The states this call reads and changes, by node id, written at the end.
local states = {}
local ids = {}
for index = first, last do ids[#ids + 1] = tostring(index) end
local raw = loadRaw(run.nodes, ids)
local writes = NodeWrites.new(run.nodes)
local function stateOf(nodeId)
  local node = states[nodeId]
  if node then return node end
  local text = raw[nodeId]
  if text == nil and tonumber(nodeId) > last then text = redis.call('HGET', run.nodes, nodeId) or nil end
  node = text and readState(text, nodeId) or initialRootState()
  states[nodeId] = node
  return node
end

local resetCount, enqueued, unfinishedDelta = 0, 0, 0

local function isTerminal(status)
  return status == NODE_SUCCEEDED or status == NODE_FAILED or status == NODE_CANCELLED or status == NODE_SKIPPED
end

-- Done for its dependants: succeeded, or skipped.
local function isDone(status)
  return status == NODE_SUCCEEDED or status == NODE_SKIPPED
end

-- The nodes a map or a replacement added, made skipped (their messages withdrawn, attempts
-- fenced, results dropped), and the expansion forgotten: a rerun that reaches the node runs it
-- again, and it expands again.
local function discardExpansion(mapId)
  local expansionFirst, n, k, stored = expansionOf(run, mapId)
  if not expansionFirst then return end
  local lastAdded = expansionFirst + stored + math.max(n, 1) * k - 1
  for chunkFirst = expansionFirst, lastAdded, 1000 do
    local chunk = {}
    for index = chunkFirst, math.min(chunkFirst + 999, lastAdded) do chunk[#chunk + 1] = tostring(index) end
    local chunkStates = loadRaw(run.nodes, chunk)
    local chunkSpecs = loadRaw(run.specs, chunk)
    for _, nodeId in ipairs(chunk) do
      -- No state: a root that never started (its message may be in a range member, which a
      -- claim then finds stale: the skipped state has no delivery).
      local node = states[nodeId] or (chunkStates[nodeId] and readState(chunkStates[nodeId], nodeId)) or initialRootState()
      if node.status ~= NODE_SKIPPED then
        local prior = node.status
        if prior == NODE_QUEUED or prior == NODE_DELAYED or prior == NODE_RUNNING then
          local spec = decodeSpec(chunkSpecs[nodeId])
          withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
        end
        if not isTerminal(prior) then unfinishedDelta = unfinishedDelta - 1 end
        node.status, node.finishedAt, node.waiting, node.hold, node.rerun, node.delivery = NODE_SKIPPED, now, nil, nil, nil, nil
        states[nodeId] = node
        writes:add(nodeId, node)
        emitEvent('node.skipped', nodeId)
      end
    end
    redis.call('HDEL', run.results, unpack(chunk))
  end
  redis.call('HDEL', run.meta, 'x:' .. mapId, 'xp:' .. mapId)
end

-- A node that expanded (a map, a replacement) reset with its expansion kept (a resume: what
-- failed inside it runs again) waits
-- for the exits not done; with none left its value is gathered now. Returns true when the node
-- is handled (it must not be enqueued), and whether it succeeded here.
local function waitForExpansion(nodeId, node, spec)
  local expansionFirst, n, k, stored = expansionOf(run, nodeId)
  if not expansionFirst then return false, false end
  local exits = expansionExits(run, nodeId, expansionFirst, n, k, stored)
  local exitStates = loadRaw(run.nodes, exits)
  local left = 0
  for _, exitId in ipairs(exits) do
    local exit = states[exitId]
    local status = exit and exit.status or (exitStates[exitId] and stateStatus(exitStates[exitId], exitId))
    if not isDone(status) then left = left + 1 end
  end
  if left > 0 then
    node.waiting = left
    return true, false
  end
  redis.call('HSET', run.results, nodeId, gatherExpansion(run, nodeId, expansionFirst, n, k, stored))
  node.status, node.finishedAt = NODE_SUCCEEDED, now
  unfinishedDelta = unfinishedDelta - 1
  emitEvent('node.succeeded', nodeId, node.attempts, spec.task)
  return true, true
end

-- Reset a node to pending: its message withdrawn (fencing a running attempt), its result
-- dropped when the rerun reaches it (a map node's expansion with it).
local function resetNode(nodeId, node, spec, dropResult)
  local prior = node.status
  if prior == NODE_QUEUED or prior == NODE_DELAYED or prior == NODE_RUNNING then
    withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
  end
  if dropResult then
    redis.call('HDEL', run.results, nodeId)
    discardExpansion(nodeId)
  end
  if isTerminal(prior) then unfinishedDelta = unfinishedDelta + 1 end
  node.status = NODE_PENDING
  node.waiting = 0
  node.attemptOffset = node.attempts or 0
  node.leaseExpiries = nil
  node.finishedAt = nil
  node.progress = nil
  resetCount = resetCount + 1
end

-- An onError's callback, re-armed when a rerun reaches its NO_ERROR_TASK (the element runs again
-- and may fail again): the error node and the callback's nodes, the NO_ERROR_TASK's branch, are
-- pending again, each waiting for its parents (all in that range; the error node for what never
-- succeeds), their results dropped, their messages withdrawn. Their turns, later in the sweep,
-- find them pending and counted.
local function rearmErrback(spec)
  local rangeFirst, count = spec.branches[3], spec.branches[4]
  local rangeIds = {}
  for index = rangeFirst, rangeFirst + count - 1 do rangeIds[#rangeIds + 1] = tostring(index) end
  local rangeSpecs = loadRaw(run.specs, rangeIds)
  local parents = { [rangeIds[1]] = 1 }
  for _, nodeId in ipairs(rangeIds) do
    for _, dependantId in ipairs((rangeSpecs[nodeId] and specRouting(rangeSpecs[nodeId])) or {}) do
      parents[dependantId] = (parents[dependantId] or 0) + 1
    end
  end
  for _, nodeId in ipairs(rangeIds) do
    local node = stateOf(nodeId)
    local prior = node.status
    if prior == NODE_QUEUED or prior == NODE_DELAYED or prior == NODE_RUNNING then
      local nodeSpec = decodeSpec(rangeSpecs[nodeId])
      withdrawMessage(queues[nodeSpec.queue], messageFor(runId, nodeId, node.delivery, nodeSpec.priority))
    end
    if isTerminal(prior) then unfinishedDelta = unfinishedDelta + 1 end
    node.status, node.waiting, node.hold, node.rerun, node.finishedAt, node.leaseExpiries, node.progress =
      NODE_PENDING, parents[nodeId] or 0, nil, nil, nil, nil, nil
    node.attemptOffset = node.attempts or 0
    writes:add(nodeId, node)
  end
  redis.call('HDEL', run.results, unpack(rangeIds))
end

local function enqueue(nodeId, node, spec)
  enqueueNode(queues[spec.queue], sequenceKey, runId, nodeId, node, spec, now)
  enqueued = enqueued + 1
end

for _, nodeId in ipairs(ids) do
  local text = raw[nodeId]
  -- A succeeded node (the most common, and never held) is skipped without decoding, unless it is
  -- the rerun's X or was reset earlier in this call.
  local skip = text and not states[nodeId] and nodeId ~= fromNode and isDone(stateStatus(text, nodeId))
  if not skip then
    local node = stateOf(nodeId)
    if cleanup then
      if node.hold == token then
        node.hold, node.rerun = nil, nil
        if node.status == NODE_PENDING then
          node.waiting = node.waiting - 1
          -- Nothing left to wait for in a run that stopped: cancelled, as its run would have.
          if node.waiting <= 0 then
            node.status = NODE_CANCELLED
            node.finishedAt = now
            unfinishedDelta = unfinishedDelta - 1
            emitEvent('node.cancelled', nodeId)
          end
        end
        writes:add(nodeId, node)
      end
    else
      local spec
      local wasSucceeded = isDone(node.status)
      local reset, reaches = false, false
      if node.hold == token then
        -- Reset ahead of its turn: release the hold. rerun 2: the rerun reached it while it was
        -- succeeded, which its pending dependants' counts do not include.
        reset, reaches = true, node.rerun ~= nil
        wasSucceeded = node.rerun == 2
        node.hold, node.rerun = nil, nil
        node.waiting = node.waiting - 1
        spec = loadSpec(run.specs, nodeId)
        if node.waiting == 0 then enqueue(nodeId, node, spec) end
        writes:add(nodeId, node)
      elseif (nodeId == fromNode and node.status ~= NODE_PENDING) or node.status == NODE_FAILED or node.status == NODE_CANCELLED then
        reset, reaches = true, nodeId == fromNode
        spec = loadSpec(run.specs, nodeId)
        resetNode(nodeId, node, spec, reaches)
        if spec.task == ERROR_TASK then
          -- An error node goes back to waiting for what never succeeds: only a failure fires it.
          node.waiting = 1
        else
          local waits, gathered = waitForExpansion(nodeId, node, spec)
          if not waits then enqueue(nodeId, node, spec) end
          -- Succeeded here: its dependants count it as done when their turn comes.
          if gathered then reset = false end
        end
        writes:add(nodeId, node)
      end
      if reaches and spec.task == NO_ERROR_TASK then rearmErrback(spec) end
      if reset or not isDone(node.status) then
        local next = specRouting(redis.call('HGET', run.specs, nodeId))
        for _, dependantId in ipairs(next or {}) do
          local dependant = stateOf(dependantId)
          local status = dependant.status
          if dependant.hold == token then
            dependant.waiting = dependant.waiting + 1
            if reaches and dependant.rerun == nil then
              dependant.rerun = 1
              redis.call('HDEL', run.results, dependantId)
            end
            writes:add(dependantId, dependant)
          elseif status == NODE_PENDING then
            -- Its waiting already counts this node unless it was succeeded until just now.
            if reset and wasSucceeded then
              dependant.waiting = (dependant.waiting or 0) + 1
              writes:add(dependantId, dependant)
            end
          elseif status == NODE_FAILED or status == NODE_CANCELLED or (reaches and status ~= NODE_PENDING) then
            resetNode(dependantId, dependant, loadSpec(run.specs, dependantId), reaches)
            -- The hold, and this node, which is not succeeded.
            dependant.waiting = 2
            dependant.hold = token
            if reaches then dependant.rerun = isDone(status) and 2 or 1 end
            writes:add(dependantId, dependant)
          end
        end
      end
    end
  end
end
writes:flush()
if unfinishedDelta ~= 0 then countUnfinished(run, unfinishedDelta) end

tally = { tally[1] + resetCount, tally[2] + enqueued }
redis.call('HSET', run.meta, 'reopenTally', tally[1] .. ':' .. tally[2])
if last + 1 < nodeCount then
  redis.call('HSET', run.meta, 'reopenCursor', last + 1)
  if cleanup then applyRetention(run) end
  flushEvents()
  return { 'more', tally[1], tally[2] }
end

-- The sweep is over: release its hold on `unfinished`.
redis.call('HDEL', run.meta, 'reopenCursor', 'reopenFrom', 'reopenToken')
local unfinished = countUnfinished(run, -1)
if runStatus == RUN_RUNNING and unfinished == 0 then
  setRunStatus(run, runId, RUN_SUCCEEDED, now, channel)
  runStatus = RUN_SUCCEEDED
elseif cleanup then
  applyRetention(run)
end
flushEvents()
return { 'done', tally[1], tally[2], runStatus }
