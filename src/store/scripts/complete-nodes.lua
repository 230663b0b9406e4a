--[[
  complete-nodes: attempts of one run succeeded; record them all in one call (a worker batches
  the completions of one run that arrive together, so a wide group costs one script call per
  batch instead of one per member).

  Each completion is fenced by attempt: one from any attempt but the node's current one (a
  worker that stalled past its lease, a duplicate) changes nothing. Otherwise the result is
  stored, the node marked succeeded, and for each dependant its count of unfinished
  dependencies goes down by one (O(1) per edge, whatever the fan-in width; a join fed by many
  completions of the batch is read and written once), enqueuing the dependants that reach zero
  (node.queued each, from enqueueNode).
  Up to ARGV[3] of those are started right here and returned instead ("take-next": the worker
  runs them in the slots the completions freed, saving a claim round trip; a chain hop costs
  one script call; those get node.started and no node.queued). The run succeeds when its last
  unfinished node does. A chain's hop usually goes to complete-step.lua first (the worker sends
  this script when that one answers that the call is not a plain hop).

  Slots the worker still has free after take-next are filled from its queues, like claim does
  (upkeep, then ZPOPMIN in its order of preference): messages of this run are started here too,
  and messages of other runs are returned leased, for the worker to start with start-nodes. So a
  wide group costs one script call per batch of members: their completions, and the claim and
  start of the next batch.

  In a failed run results are kept (resume needs them) but the dependants are cancelled instead
  of enqueued. In a cancelled run late results are discarded and the nodes cancelled.

  KEYS[1..13]  the run's keys (runScriptKeys in keys.ts)
  KEYS[14]     sequence
  KEYS[15]     dead letters (list): messages of this run that fillSlots claims and cannot start
  KEYS[16]     dead letter counts by reason (hash)
  KEYS[17..]   for each queue Q involved (the completed nodes' own queues, the queues their
               dependants are delivered on, and the queues the worker consumes), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  run's pub/sub channel
  ARGV[3]  how many slots the worker can fill now (0: none): take-next first, then claims
  ARGV[4]  lease length in ms (for what is started or claimed here)
  ARGV[5]  most lease expiries a node may have before it fails (for starts here)
  ARGV[6]  error JSON recorded when a node fails for too many lease expiries ("%s": node id)
  ARGV[7]  most due or expired messages to move per queue (upkeep); -1: claim nothing from the
           queues (take-next only)
  ARGV[8]  number of queues Q
  ARGV[9]  the worker's registry id, named in the node.started events of the nodes started
           here ("": none)
  ARGV[10 .. 9+2Q] for each queue, in KEYS order, two values: queue name, and the worker's
                   preference for it (1 = most preferred; 0 = the worker does not consume it)
  ARGV[10+2Q ..]   for each completion, six values: node id, attempt, result JSON, message (its
                   lease member), the queue it came from, and the attempt's span context (W3C
                   traceparent, "" when tracing is off)

  Returns: { finish, outcomes, started, claimed }
    finish       when this call made the run succeed, its finish message (setRunStatus in
                 includes/run.lua: the message its channel got), else 0
    outcomes     one per completion, in ARGV order: 'completed', 'stale' (fenced off) or
                 'discarded' (the run was cancelled; the result was dropped)
    started      nodes started for the worker (take-next, then claimed messages of this run),
                 three values each: message, queue name, and the started node's JSON (see
                 includes/start.lua)
    claimed      messages of other runs now leased to the worker: { queueName, message, ... }
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "events"
--- @include "run"
--- @include "nodes"
--- @include "node-state"
--- @include "cancel"
--- @include "fail"
--- @include "enqueue"
--- @include "start"
--- @include "dead-letter"
--- @include "start-messages"
--- @include "ranges"
--- @include "claim"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
eventsWorker(ARGV[9])
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId, channel = ARGV[1], ARGV[2]
statesOfRun(runId)
local canTake = tonumber(ARGV[3])
local leaseMs = tonumber(ARGV[4])
local upkeepLimit = tonumber(ARGV[7])
local queueCount = tonumber(ARGV[8])

local queues = {}
local consumed = {}
for index = 1, queueCount do
  local preference = tonumber(ARGV[11 + (index - 1) * 2])
  local queue = queueKeysAt(KEYS, RUN_KEY_COUNT + 4 + (index - 1) * QUEUE_KEY_COUNT)
  queue.name = ARGV[10 + (index - 1) * 2]
  queue.consumed = preference > 0
  queues[queue.name] = queue
  if preference > 0 then consumed[preference] = queue end
end
local firstCompletion = 10 + queueCount * 2

local now = nowMs()
local reply = { 0, {}, {}, {} }

-- The slots still free at the end take messages from the worker's queues.
local function fillSlots()
  if canTake <= 0 or #consumed == 0 or upkeepLimit < 0 then return reply end
  queueUpkeep(consumed, sequenceKey, now, upkeepLimit)
  local messages, queueIndexes, rangeNodeIds = claimMessages(consumed, canTake, now, leaseMs)
  local ours = { nodeIds = {}, messages = {}, deliveries = {}, queues = {} }
  -- A message a range gave is a first delivery; ours when it starts with our run id.
  local ownPrefix = runId .. '|'
  for index, message in ipairs(messages) do
    local queue = consumed[queueIndexes[index]]
    local messageRun, nodeId, delivery
    nodeId = rangeNodeIds[index]
    if nodeId then
      messageRun = string.sub(message, 1, #ownPrefix) == ownPrefix and runId or nil
      delivery = 1
    else
      messageRun, nodeId, delivery = messageParts(message)
    end
    if messageRun == runId then
      local position = #ours.nodeIds + 1
      ours.nodeIds[position] = nodeId
      ours.messages[position] = message
      ours.deliveries[position] = tonumber(delivery)
      ours.queues[position] = queue
    else
      reply[4][#reply[4] + 1] = queue.name
      reply[4][#reply[4] + 1] = message
    end
  end
  if #ours.nodeIds > 0 then
    local startOptions = {
      runId = runId, maxLeaseExpiries = tonumber(ARGV[5]), channel = channel, leaseExpiredErrorJson = ARGV[6],
      deadLetters = { list = KEYS[RUN_KEY_COUNT + 2], counts = KEYS[RUN_KEY_COUNT + 3] },
    }
    local started = reply[3]
    for index, startReply in ipairs(startMessages(run, ours, startOptions, now)) do
      if type(startReply) == 'string' then
        started[#started + 1] = ours.messages[index]
        started[#started + 1] = ours.queues[index].name
        started[#started + 1] = startReply
      end
    end
  end
  return reply
end

-- Every reply after the first pass: the free slots filled, and the events of the call written.
local function finish()
  fillSlots()
  flushEvents()
  return reply
end

-- First pass, before any write (Redis does not roll back a script's writes when it errors
-- later): fence each completion and check that every queue it touches has its keys here.
local ids = {}
for position = firstCompletion, #ARGV, 6 do ids[#ids + 1] = ARGV[position] end
local rawStates = loadRaw(run.nodes, ids)
local specJsons = loadRaw(run.specs, ids)
local completions = {}
local outcomes = reply[2]
local fenced = {}
for position = firstCompletion, #ARGV, 6 do
  local nodeId, attempt, span = ARGV[position], tonumber(ARGV[position + 1]), ARGV[position + 5]
  local raw = rawStates[nodeId]
  local current = raw and runningAttempt(raw)
  -- A state that is not running is stale unless it is in no known format: readState refuses that.
  if raw and not current then readState(raw, nodeId) end
  current = current == attempt
  if not current or fenced[nodeId] then
    outcomes[#outcomes + 1] = 'stale'
  else
    fenced[nodeId] = true
    local ownQueue = queues[ARGV[position + 4]]
    if not ownQueue then return redis.error_reply('QUEUE_KEYS_MISSING ' .. ARGV[position + 4]) end
    local specJson = specJsons[nodeId]
    if not specJson then return runDamaged(runId, 'node ' .. nodeId .. ' has no spec') end
    local next, nextQueues = specRouting(specJson)
    for _, queueName in ipairs(nextQueues or NO_IDS) do
      if not queues[queueName] then return redis.error_reply('QUEUE_KEYS_MISSING ' .. queueName) end
    end
    outcomes[#outcomes + 1] = 'completed'
    completions[#completions + 1] = {
      nodeId = nodeId, raw = raw, next = next,
      resultJson = ARGV[position + 2], message = ARGV[position + 3], ownQueue = ownQueue, span = span,
      outcome = #outcomes, attempt = attempt, specJson = specJson,
    }
  end
end

if #completions == 0 then return finish() end

local runContext = loadRunContext(run)
local runStatus = runContext.status
-- Their leases, one ZREM per queue.
local leasesByKey = {}
for _, completion in ipairs(completions) do
  local key = completion.ownQueue.leases
  leasesByKey[key] = leasesByKey[key] or {}
  table.insert(leasesByKey[key], completion.message)
end
for key, members in pairs(leasesByKey) do redis.call('ZREM', key, unpack(members)) end

if runStatus == RUN_CANCELLED then
  for _, completion in ipairs(completions) do
    cancelStartedNode(run, completion.nodeId, readState(completion.raw, completion.nodeId), now)
    outcomes[completion.outcome] = 'discarded'
  end
  applyRetention(run)
  return finish()
end

local writes = NodeWrites.new(run.nodes)
-- known: the results stored below by node id, for the dependants started here (startNode).
local results, retried, known = {}, {}, {}
local finishedAt = formatScore(now)
for _, completion in ipairs(completions) do
  results[#results + 1] = completion.nodeId
  results[#results + 1] = completion.resultJson
  known[completion.nodeId] = completion.resultJson
  emitEvent('node.succeeded', completion.nodeId, completion.attempt, specTask(completion.specJson))
  -- Only an earlier attempt can have left an error (fail-node records them).
  if completion.attempt > 1 then retried[#retried + 1] = completion.nodeId end
  writes:add(completion.nodeId, succeededText(completion.raw, finishedAt, completion.span))
end
redis.call('HSET', run.results, unpack(results))
if #retried > 0 then redis.call('HDEL', run.errors, unpack(retried)) end
local unfinished = countUnfinished(run, -#completions)
-- Written now when something below reads them from Redis: cancelNodes, or a dependant started
-- below reading its upstream nodes' span contexts. Otherwise with the dependants' states.
if runStatus ~= RUN_RUNNING or runContext.trace then writes:flush() end

if runStatus ~= RUN_RUNNING then
  -- A failed run: keep the results, start nothing after them.
  for _, completion in ipairs(completions) do
    if completion.next then cancelNodes(run, completion.next, now) end
  end
  applyRetention(run)
  return finish()
end

-- Each dependant is read once however many completions of the batch feed it, and written once.
local dependants = {}
for _, completion in ipairs(completions) do
  for _, dependantId in ipairs(completion.next or {}) do
    local dependant = dependants[dependantId]
    if dependant == nil then
      local raw = redis.call('HGET', run.nodes, dependantId)
      dependant = raw and readState(raw, dependantId) or false
      dependants[dependantId] = dependant
    end
    if dependant and dependant.status == NODE_PENDING then
      dependant.waiting = dependant.waiting - 1
      if dependant.waiting > 0 then
        writes:add(dependantId, dependant)
      else
        local dependantSpec, dependantSpecJson = loadSpec(run.specs, dependantId)
        local queue = queues[dependantSpec.queue]
        if canTake > 0 and queue.consumed and not delayedUntil(dependantSpec.countdownMs, dependantSpec.etaMs, now) then
          canTake = canTake - 1
          local message = newDelivery(runId, dependantId, dependant, dependantSpec, now)
          redis.call('ZADD', queue.leases, formatScore(now + leaseMs), message)
          local started = reply[3]
          started[#started + 1] = message
          started[#started + 1] = dependantSpec.queue
          started[#started + 1] = startNode(run, dependantId, dependant, dependantSpec, dependantSpecJson, now, runContext, writes, known)
        else
          enqueueNode(queue, sequenceKey, runId, dependantId, dependant, dependantSpec, now)
          writes:add(dependantId, dependant)
        end
      end
    end
  end
end
writes:flush()

if unfinished == 0 then
  reply[1] = setRunStatus(run, runId, RUN_SUCCEEDED, now, channel) or 0
end
return finish()
