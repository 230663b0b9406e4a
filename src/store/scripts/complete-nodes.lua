--[[
  complete-nodes: attempts succeeded; record them all in one call. The completions may be of
  several runs of one shard (their keys share the shard's slot): a worker batches what finishes
  together, so a wide group costs one script call per batch instead of one per member, and many
  small runs one call per batch instead of one per run.

  Each completion is fenced by attempt: one from any attempt but the node's current one (a
  worker that stalled past its lease, a duplicate) changes nothing. Otherwise the result is
  stored, the node marked succeeded, and for each dependant its count of unfinished
  dependencies goes down by one (O(1) per edge, whatever the fan-in width; a join fed by many
  completions of the batch is read and written once), enqueuing the dependants that reach zero
  (node.queued each, from enqueueNode).
  Up to ARGV[1] of those are started right here and returned instead ("take-next": the worker
  runs them in the slots the completions freed, saving a claim round trip; a chain hop costs
  one script call; those get node.started and no node.queued). A run succeeds when its last
  unfinished node does. A chain's hop usually goes to complete-step.lua first (the worker sends
  this script when that one answers that the call is not a plain hop).

  Slots the worker still has free after take-next are filled from its queues, like claim does
  (upkeep, then ZPOPMIN in its order of preference): messages of the runs in this call are
  started here too, and messages of other runs are returned leased, for the worker to start with
  start-nodes. So a wide group costs one script call per batch of members: their completions,
  and the claim and start of the next batch.

  A node that expanded (a map, or a node whose handler returned replace(): expand-node.lua) and
  whose expansion's exits have all succeeded is not enqueued: its value (a map's list of its
  items' element values, a replacement canvas's value) is gathered from their results here, and
  it succeeds at once (node.succeeded), which releases its own dependants in turn. The exits' specs
  name the queues of the map node's dependants, so their keys are here.

  A `when`'s decider (its spec's `branches`) first skips the branch its result does not pick:
  those nodes, all pending, become skipped (node.skipped each), count as finished, and count as
  done for the nodes after the `when` that wait for them.

  In a failed run results are kept (resume needs them) but the dependants are cancelled instead
  of enqueued. In a cancelled run late results are discarded and the nodes cancelled.

  Every check comes before the first write, for every run of the call (Redis does not roll back a
  script that errors half way): a damaged run or a queue without keys refuses the whole call.

  KEYS[1]      sequence
  KEYS[2]      dead letters (list): messages of these runs that fillSlots claims and cannot start
  KEYS[3]      dead letter counts by reason (hash)
  KEYS[4..3+5Q] for each queue Q involved (the completed nodes' own queues, the queues their
               dependants are delivered on, and the queues the worker consumes), five keys:
               ready, delayed, leases, signal, ranged
  then         for each run, in ARGV order, its 14 keys (runScriptKeys in keys.ts)

  ARGV[1]  how many slots the worker can fill now (0: none): take-next first, then claims
  ARGV[2]  lease length in ms (for what is started or claimed here)
  ARGV[3]  most lease expiries a node may have before it fails (for starts here)
  ARGV[4]  error JSON recorded when a node fails for too many lease expiries ("%s": node id)
  ARGV[5]  most due or expired messages to move per queue (upkeep); -1: claim nothing from the
           queues (take-next only)
  ARGV[6]  number of queues Q
  ARGV[7]  extra take-next: how many more dependants made ready here may be started, once the
           slots of ARGV[1] are used, in slots the worker holds besides the ones the completions
           freed (a step followed by a group: its members start together, none waits to be
           claimed); never filled from the queues
  ARGV[8]  the worker's registry id, named in the node.started events of the nodes started
           here ("": none)
  ARGV[9 .. 8+2Q] for each queue, in KEYS order, two values: queue name, and the worker's
                  preference for it (1 = most preferred; 0 = the worker does not consume it)
  ARGV[9+2Q]      number of runs R
  then            for each run: its id, its pub/sub channel, its number of completions N, then
                  for each completion six values: node id, attempt, result JSON, message (its
                  lease member), the queue it came from, and the attempt's span context (W3C
                  traceparent, "" when tracing is off)

  Returns: { runs, started, claimed }
    runs      per run, in ARGV order, two values: its finish message when this call made the
              run succeed (setRunStatus in includes/run.lua: the message its channel got), else
              0; and its outcomes, one per completion, in ARGV order: 'completed', 'stale'
              (fenced off) or 'discarded' (the run was cancelled; the result was dropped)
    started   nodes started for the worker (take-next within ARGV[1], then the extra take-next,
              or claimed messages of these runs: never both), three values each: message, queue name, and the started node's JSON (see
              includes/start.lua)
    claimed   messages of other runs now leased to the worker: { queueName, message, ... }
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
--- @include "expansion"

local sequenceKey = KEYS[1]
local deadLetters = { list = KEYS[2], counts = KEYS[3] }
local canTake = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local upkeepLimit = tonumber(ARGV[5])
local queueCount = tonumber(ARGV[6])
local extraLeft = tonumber(ARGV[7])
eventsWorker(ARGV[8])

local queues = {}
local consumed = {}
for index = 1, queueCount do
  local preference = tonumber(ARGV[10 + (index - 1) * 2])
  local queue = queueKeysAt(KEYS, 4 + (index - 1) * QUEUE_KEY_COUNT)
  queue.name = ARGV[9 + (index - 1) * 2]
  queue.consumed = preference > 0
  queues[queue.name] = queue
  if preference > 0 then consumed[preference] = queue end
end
local runKeysAt = 4 + queueCount * QUEUE_KEY_COUNT

local now = nowMs()
local started, claimed = {}, {}
local runReplies = {}

-- First pass, before any write: for each run, fence each completion and check that every queue
-- it touches has its keys here and that the run has what it reads.
local runs = {}
local runsById = {}
local position = 10 + queueCount * 2
for runIndex = 1, tonumber(ARGV[9 + queueCount * 2]) do
  local entry = {
    run = runKeysFrom(KEYS, runKeysAt + (runIndex - 1) * RUN_KEY_COUNT),
    runId = ARGV[position], channel = ARGV[position + 1], completions = {}, outcomes = {},
  }
  local first, count = position + 3, tonumber(ARGV[position + 2])
  position = first + count * 6
  runs[runIndex] = entry
  runsById[entry.runId] = entry
  runReplies[#runReplies + 1] = 0
  runReplies[#runReplies + 1] = entry.outcomes
  statesOfRun(entry.runId)
  local ids = {}
  for at = first, position - 1, 6 do ids[#ids + 1] = ARGV[at] end
  local rawStates = loadRaw(entry.run.nodes, ids)
  local specJsons = loadRaw(entry.run.specs, ids)
  local fenced = {}
  local outcomes = entry.outcomes
  for at = first, position - 1, 6 do
    local nodeId, attempt, span = ARGV[at], tonumber(ARGV[at + 1]), ARGV[at + 5]
    local raw = rawStates[nodeId]
    local current = raw and runningAttempt(raw)
    -- A state that is not running is stale unless it is in no known format: readState refuses that.
    if raw and not current then readState(raw, nodeId) end
    current = current == attempt
    if not current or fenced[nodeId] then
      outcomes[#outcomes + 1] = 'stale'
    else
      fenced[nodeId] = true
      local ownQueue = queues[ARGV[at + 4]]
      if not ownQueue then return redis.error_reply('QUEUE_KEYS_MISSING ' .. ARGV[at + 4]) end
      local specJson = specJsons[nodeId]
      if not specJson then return runDamaged(entry.runId, 'node ' .. nodeId .. ' has no spec') end
      local next, nextQueues = specRouting(specJson)
      for _, queueName in ipairs(nextQueues or NO_IDS) do
        if not queues[queueName] then return redis.error_reply('QUEUE_KEYS_MISSING ' .. queueName) end
      end
      outcomes[#outcomes + 1] = 'completed'
      -- A `when`'s decider, an error callback's node (plain find first: most specs have no options at all).
      local options = (string.find(specJson, '"branches"', 1, true) or string.find(specJson, '"errback"', 1, true)) and decodeSpec(specJson)
      entry.completions[#entry.completions + 1] = {
        nodeId = nodeId, raw = raw, next = next,
        resultJson = ARGV[at + 2], message = ARGV[at + 3], ownQueue = ownQueue, span = span,
        outcome = #outcomes, attempt = attempt, specJson = specJson, branches = options and options.branches or nil,
        goesOnWhenFailed = options and runsWhenFailed(options), noError = options and options.task == NO_ERROR_TASK,
      }
    end
  end
end

-- Skip the nodes first .. first + count - 1 (a `when`'s branch not taken: all pending, as they all
-- wait for its decider, unless a reopen sweep is under way): skipped, finished now, node.skipped
-- each. `dependants` holds the states this call already read or changed, by node id (a state
-- there is newer than Redis's); the skipped ones are put there. Returns, once per edge, the nodes outside the range that wait for
-- one of them, and the run's count of unfinished nodes after the skips (nil when none was skipped).
-- pendingOnly (an onError's NO_ERROR_TASK, whose element succeeded): only pending nodes are
-- skipped; an error callback that ran before a resume keeps its record, and a failed one is left
-- to the reopen sweep.
local function skipBranch(run, first, count, now, writes, dependants, pendingOnly)
  local released = {}
  if count <= 0 then return released, nil end
  local skipped = 0
  for chunkFirst = first, first + count - 1, 1000 do
    local ids = {}
    for index = chunkFirst, math.min(chunkFirst + 999, first + count - 1) do ids[#ids + 1] = tostring(index) end
    local raw = loadRaw(run.nodes, ids)
    local specs = loadRaw(run.specs, ids)
    for _, nodeId in ipairs(ids) do
      local node = dependants[nodeId]
      if node == nil then node = raw[nodeId] and readState(raw[nodeId], nodeId) or false end
      local status = node and node.status
      -- In a running run a failed, cancelled or succeeded node here is one a reopen sweep has not
      -- reached yet (the decider ran in the middle of it; a succeeded one is from before a rerun,
      -- whose result goes): skipped too, so that the sweep passes over it.
      if status == NODE_PENDING or (not pendingOnly and (status == NODE_FAILED or status == NODE_CANCELLED or status == NODE_SUCCEEDED)) then
        if status == NODE_SUCCEEDED then redis.call('HDEL', run.results, nodeId) end
        -- Counted by what waits for it only if it was pending and the sweep's turn, if any, came:
        -- a node reset ahead of its turn (hold) or not reset yet is in no dependant's count.
        local counted = status == NODE_PENDING and node.hold == nil
        dependants[nodeId] = node
        node.status, node.finishedAt, node.waiting, node.hold, node.rerun = NODE_SKIPPED, now, nil, nil, nil
        writes:add(nodeId, node)
        emitEvent('node.skipped', nodeId)
        if status == NODE_PENDING then skipped = skipped + 1 end
        if counted then
          for _, dependantId in ipairs((specs[nodeId] and specRouting(specs[nodeId])) or NO_IDS) do
            local id = tonumber(dependantId)
            if id < first or id >= first + count then released[#released + 1] = dependantId end
          end
        end
      end
    end
  end
  if skipped == 0 then return released, nil end
  return released, countUnfinished(run, -skipped)
end

-- One run's completions, once every check has passed.
local function completeRun(runIndex)
  local entry = runs[runIndex]
  local run, runId, channel, completions, outcomes = entry.run, entry.runId, entry.channel, entry.completions, entry.outcomes
  if #completions == 0 then return end
  statesOfRun(runId)
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
    return
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
    -- A failed run: keep the results, start nothing after them; but an error callback goes on,
    -- and a NO_ERROR_TASK (its element succeeded) skips its callback.
    local errbacks = {}
    for _, completion in ipairs(completions) do
      if completion.goesOnWhenFailed then
        errbacks[#errbacks + 1] = completion
      elseif completion.next then
        cancelNodes(run, completion.next, now)
      end
    end
    if #errbacks == 0 then
      applyRetention(run)
      return
    end
    completions = errbacks
  end

  -- Each dependant is read once however many completions of the batch feed it, and written once.
  local dependants = {}
  -- One of the dependant's dependencies is done: it is ready when none is left.
  local function release(dependantId)
    local dependant = dependants[dependantId]
    if dependant == nil then
      local raw = redis.call('HGET', run.nodes, dependantId)
      dependant = raw and readState(raw, dependantId) or false
      dependants[dependantId] = dependant
    end
    if not dependant or dependant.status ~= NODE_PENDING then return end
    dependant.waiting = dependant.waiting - 1
    if dependant.waiting > 0 then
      writes:add(dependantId, dependant)
      return
    end
    local dependantSpec, dependantSpecJson = loadSpec(run.specs, dependantId)
    -- A node that ran and waits again (attempts) is one that expanded (or one a reopen reset).
    local expansionFirst, n, k, stored
    if (dependant.attempts or 0) > 0 then expansionFirst, n, k, stored = expansionOf(run, dependantId) end
    if expansionFirst then
      -- A map whose element runs, or a node whose replacement, are all done: its value is
      -- gathered here, and it succeeds.
      local resultJson = gatherExpansion(run, dependantId, expansionFirst, n, k, stored)
      redis.call('HSET', run.results, dependantId, resultJson)
      known[dependantId] = resultJson
      dependant.status, dependant.waiting, dependant.finishedAt = NODE_SUCCEEDED, nil, now
      writes:add(dependantId, dependant)
      emitEvent('node.succeeded', dependantId, dependant.attempts, dependantSpec.task)
      unfinished = countUnfinished(run, -1)
      for _, nextId in ipairs(dependantSpec.next or NO_IDS) do release(nextId) end
      return
    end
    local queue = queues[dependantSpec.queue]
    if (canTake > 0 or extraLeft > 0) and queue.consumed and not delayedUntil(dependantSpec.countdownMs, dependantSpec.etaMs, now) then
      if canTake > 0 then canTake = canTake - 1 else extraLeft = extraLeft - 1 end
      local message = newDelivery(runId, dependantId, dependant, dependantSpec, now)
      redis.call('ZADD', queue.leases, formatScore(now + leaseMs), message)
      started[#started + 1] = message
      started[#started + 1] = dependantSpec.queue
      started[#started + 1] = startNode(run, dependantId, dependant, dependantSpec, dependantSpecJson, now, runContext, writes, known)
    else
      enqueueNode(queue, sequenceKey, runId, dependantId, dependant, dependantSpec, now)
      writes:add(dependantId, dependant)
    end
  end
  for _, completion in ipairs(completions) do
    -- A `when`'s decider first skips the branch its result does not pick: what waits for that
    -- branch outside it counts its nodes as done.
    if completion.branches then
      local branches = completion.branches
      local truthy = isTruthyJson(completion.resultJson)
      local first, count = branches[truthy and 3 or 1], branches[truthy and 4 or 2]
      local released, left = skipBranch(run, first, count, now, writes, dependants, completion.noError)
      if left then unfinished = left end
      for _, dependantId in ipairs(released) do release(dependantId) end
    end
    for _, dependantId in ipairs(completion.next or {}) do release(dependantId) end
  end
  writes:flush()

  if runStatus ~= RUN_RUNNING then
    applyRetention(run)
  elseif unfinished == 0 then
    runReplies[runIndex * 2 - 1] = setRunStatus(run, runId, RUN_SUCCEEDED, now, channel) or 0
  end
end

for runIndex = 1, #runs do
  eventsFor(runs[runIndex].run, runs[runIndex].runId)
  completeRun(runIndex)
  flushEvents()
end

-- The slots still free take messages from the worker's queues: those of the runs of this call
-- are started here, the others returned leased.
if canTake > 0 and #consumed > 0 and upkeepLimit >= 0 then
  queueUpkeep(consumed, sequenceKey, now, upkeepLimit)
  local messages, queueIndexes, rangeNodeIds = claimMessages(consumed, canTake, now, leaseMs)
  local batches, order, others = claimedByRun(messages, queueIndexes, rangeNodeIds, consumed, runsById)
  for position = 1, #others, 2 do
    claimed[#claimed + 1] = consumed[others[position]].name
    claimed[#claimed + 1] = others[position + 1]
  end
  for _, messageRun in ipairs(order) do
    local entry = runsById[messageRun]
    eventsFor(entry.run, messageRun)
    statesOfRun(messageRun)
    local startOptions = {
      runId = messageRun, maxLeaseExpiries = tonumber(ARGV[3]), channel = entry.channel, leaseExpiredErrorJson = ARGV[4],
      deadLetters = deadLetters,
    }
    startClaimed(entry.run, batches[messageRun], startOptions, now, started)
    flushEvents()
  end
end

return { runReplies, started, claimed }
