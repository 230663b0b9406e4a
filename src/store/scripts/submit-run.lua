--[[
  submit-run: commit a whole run at once (its meta, every node's spec, the state of every node
  but the queued roots, its index entries) and enqueue the nodes that depend on nothing. Either
  the run exists completely afterwards or not at all: every check happens before the first write.

  A large run's specs are not in ARGV: the submitting client staged them just before, with plain
  HSETs (pipelined with this call, one round trip in all) into a hash of its own, which this
  script renames to the run's specs. Passing many specs through ARGV and a Lua table would cost
  Redis more than the HSETs and this script together (docs/performance.md). Until the rename
  nothing reads the staging hash, and it expires if the client dies before committing. A small
  run's specs come inline, at the end of ARGV: one command instead of three (HSET, PEXPIRE and
  this), and no rename.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts): meta, nodes, specs, results, errors,
               runs index, runs by status (running, succeeded, failed, cancelled),
               expiry index, expired tombstones, event stream
  KEYS[15]     sequence: counter for first-come-first-served order inside a priority
  KEYS[16]     the staged specs (hash: node id -> spec JSON, every node of the run; unused when
               the specs are inline)
  KEYS[17..]   for each queue a root node is delivered on, five keys: ready, delayed, leases,
               signal, ranged (queueScriptKeys in keys.ts)

  ARGV[1]  run id
  ARGV[2]  run name
  ARGV[3]  output template JSON (which results, in which nesting, make the run's value)
  ARGV[4]  retention in ms of a succeeded run
  ARGV[5]  retention in ms of a failed run
  ARGV[6]  retention in ms of a cancelled run
  ARGV[7]  JSON list of every queue the run's nodes are delivered on
  ARGV[8]  trace context JSON of the submit span ("" when tracing is off)
  ARGV[9]  the event stream's length (MAXLEN ~) for this run's events, 0: the run records none
  ARGV[10] the submitting process's waiter channel, "" for none: the run's finish is published
           there too (setRunStatus in includes/run.lua)
  ARGV[11] eager starts E: how many ready roots a worker of the submitting process can start
           at once (0: none; see "Eager start" below)
  ARGV[12] that worker's registry id ("" when E is 0), named in the node.started events
  ARGV[13] the lease length in ms of an eager start
  ARGV[14] number of root queues Q whose keys follow KEYS[16]
  ARGV[15 .. 14+2Q] for each of those queues, in KEYS order, its name and 1 when that worker
                   consumes it, else 0
  ARGV[15+2Q]      number of root classes C: the distinct (queue, priority, countdown, eta) of
                   the nodes that depend on nothing
  ARGV[16+2Q ..]   for each class, four values: queue name, priority, countdown in ms, and eta
                   (ms since the epoch, by Redis's clock; 0 for none)
  then             the number of nodes N (ids "0" .. N-1)
  then             the number of values V that follow for the dependencies
  then             each node's number of dependencies (> 0), or -k for a root of class k
                   (1-based), run-length encoded in id order: V/2 pairs of (value, how many
                   consecutive nodes have it). A 10,000-wide chord is two pairs.
  then             for a run whose specs are inline, N spec JSONs in id order; nothing when they
                   were staged

  Eager start: a worker in the submitting process with E free slots that consumes a root's queue
  gets that root started here, leased to it, instead of queued for any worker to claim: the
  pickup (a wake-up, a claim and a start: three round trips) is saved. Only roots that are not
  part of a range, and only from a queue whose ready set is empty: work already waiting is not
  overtaken.

  Returns: { the run's creation time (ms, Redis clock), 1 when ready roots are left to
  enqueue-roots (the meta's rootsCursor names the first), else 0, and the eager starts: three
  values each, the message (leased to the worker), its queue's name, and the started node's JSON
  (includes/start.lua) }, or an error reply, with nothing written
  and the staging hash deleted: "RUN_EXISTS", or "STAGING_INCOMPLETE <found> <expected>" when
  the staging hash does not hold the N specs (Redis restarted or was flushed between the HSETs
  and this call, or the staging expired).

  Ready roots are enqueued in id order, at most COMMIT_READY_ROOTS entries in this call: a run of
  RANGE_MIN or more consecutive ready roots of one class (a group's members) goes in as one range
  member (includes/ranges.lua), one entry whatever its length, any other ready root as a message
  of its own. Where the entries run out, the meta's rootsCursor names the first ready root left,
  and that root and every ready root after it stay without a message until enqueue-roots adds
  them, a bounded range per call, right after (the submitting client calls it; the repair sweep
  does if that client died, and repair-run leaves them alone meanwhile). They read as queued all
  along. So a group of any width costs this call one member, and a group of chains (roots a
  chain's length apart) a message per root up to the cap.

  A queued root (no countdown, no eta ahead) gets no state entry: absent means queued, delivery 1
  (initialRootState in includes/node-state.lua). The roots are enqueued here in bulk rather than one
  by one through enqueueNode: the same state (queued or delayed, delivery 1; queuedAt is the
  run's createdAt), one INCRBY of the sequence for all of them, and one ZADD per 1000 messages.
]]
--- @include "common"
--- @include "template"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"
--- @include "ranges"
--- @include "spec"
--- @include "start"

-- Ready-root entries (messages or ranges) this call enqueues at most: the rest are added by
-- enqueue-roots, a bounded number per call, so that no call holds Redis long.
local COMMIT_READY_ROOTS = 2000

local run = runKeysFrom(KEYS)
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local stagedSpecs = KEYS[RUN_KEY_COUNT + 2]
local runId = ARGV[1]

-- A submit that is refused leaves nothing behind, its staged specs included.
local function refuse(reason)
  redis.call('DEL', stagedSpecs)
  return redis.error_reply(reason)
end

if redis.call('EXISTS', run.meta) == 1 then return refuse('RUN_EXISTS') end

local now = nowMs()
local maxEvents = tonumber(ARGV[9])
local eagerLeft = tonumber(ARGV[11])
local queueCount = tonumber(ARGV[14])
local queues = {}
for index = 1, queueCount do
  local queue = queueKeysAt(KEYS, RUN_KEY_COUNT + 3 + (index - 1) * QUEUE_KEY_COUNT)
  queue.name, queue.readyArgs = ARGV[13 + index * 2], {}
  -- Eager starts only where nothing waits to be claimed (see the header).
  queue.eager = eagerLeft > 0 and ARGV[14 + index * 2] == '1' and redis.call('ZCARD', queue.ready) == 0
  queues[queue.name] = queue
end
local classCount = tonumber(ARGV[15 + queueCount * 2])
local classes = {}
for index = 1, classCount do
  local base = 16 + queueCount * 2 + (index - 1) * 4
  local queue = queues[ARGV[base]]
  -- Check before the first write (Redis does not roll back a script that errors half way).
  if not queue then return refuse('QUEUE_KEYS_MISSING ' .. ARGV[base]) end
  -- due: nil for a root that is ready at once.
  classes[index] = { queue = queue, priority = tonumber(ARGV[base + 1]), due = delayedUntil(tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), now) }
end
local nodeCountAt = 16 + queueCount * 2 + classCount * 4
local nodeCount = tonumber(ARGV[nodeCountAt])
local firstPair = nodeCountAt + 2
local lastPair = nodeCountAt + 1 + tonumber(ARGV[nodeCountAt + 1])
local firstSpec = lastPair + 1
local inline = firstSpec <= #ARGV
if inline then
  if #ARGV - lastPair ~= nodeCount then return refuse('STAGING_INCOMPLETE ' .. (#ARGV - lastPair) .. ' ' .. nodeCount) end
else
  local staged = redis.call('HLEN', stagedSpecs)
  if staged ~= nodeCount then return refuse('STAGING_INCOMPLETE ' .. staged .. ' ' .. nodeCount) end
end

-- Index members sort by creation time, then id: listRuns pages through them by lex range.
local indexMember = string.format('%015d', now) .. ':' .. runId
local metaArgs = {
  'name', ARGV[2],
  'status', RUN_RUNNING,
  'createdAt', now,
  'nodeCount', nodeCount,
  'unfinished', nodeCount,
  'output', ARGV[3],
  'retainSucceededMs', ARGV[4],
  'retainFailedMs', ARGV[5],
  'retainCancelledMs', ARGV[6],
  'queues', ARGV[7],
  'indexMember', indexMember,
}
if ARGV[8] ~= '' then
  metaArgs[#metaArgs + 1] = 'trace'
  metaArgs[#metaArgs + 1] = ARGV[8]
end
if ARGV[10] ~= '' then
  metaArgs[#metaArgs + 1] = 'notify'
  metaArgs[#metaArgs + 1] = ARGV[10]
end
-- Every later script reads the run's event setting from here (events.lua).
if maxEvents > 0 then
  metaArgs[#metaArgs + 1] = 'events'
  metaArgs[#metaArgs + 1] = maxEvents
end
redis.call('HSET', run.meta, unpack(metaArgs))
redis.call('ZADD', run.all, 0, indexMember)
redis.call('ZADD', run.byStatus.running, 0, indexMember)
if inline then
  local specArgs = {}
  for position = firstSpec, #ARGV do
    specArgs[#specArgs + 1] = tostring(position - firstSpec)
    specArgs[#specArgs + 1] = ARGV[position]
  end
  redis.call('HSET', run.specs, unpack(specArgs))
else
  -- RENAME keeps the staging hash's expiry: the run's specs live until its retention says.
  redis.call('RENAME', stagedSpecs, run.specs)
  redis.call('PERSIST', run.specs)
end

-- Roots: delayed ones by due time, the ready ones into ready with consecutive sequence numbers,
-- as ranges or messages, until COMMIT_READY_ROOTS entries are used (see the header). A first
-- pass counts the entries, for one INCRBY of the sequence.
local entries = 0
for position = firstPair, lastPair, 2 do
  local class = classes[-tonumber(ARGV[position])]
  if class and not class.due and entries < COMMIT_READY_ROOTS then
    local count = tonumber(ARGV[position + 1])
    entries = entries + (count >= RANGE_MIN and 1 or math.min(count, COMMIT_READY_ROOTS - entries))
  end
end
local entriesLeft = entries
local sequence = entries > 0 and (redis.call('INCRBY', sequenceKey, entries) - entries) or 0
-- The id of the first ready root left to enqueue-roots (nil: none is).
local rootsCursor = nil
-- A delayed root's state leaves out what is implied (memory counts at 100,000 nodes): no
-- waiting means 0, and no queuedAt means the run's createdAt. A queued root has no state at all
-- until it starts (initialRootState in node-state.lua).
local delayedState = encodeState({ status = NODE_DELAYED, delivery = 1 })

local stateArgs = {}
-- The roots started here (eager), in id order.
local eager = {}
local nodeIndex = 0
for position = firstPair, lastPair, 2 do
  local waiting = tonumber(ARGV[position])
  local class = classes[-waiting]
  local count = tonumber(ARGV[position + 1])
  if waiting > 0 or class.due then
    -- Pending nodes and delayed roots: a state each (and a delayed message for a root).
    local state = waiting > 0 and encodeState({ status = NODE_PENDING, waiting = waiting }) or delayedState
    for nodeId = nodeIndex, nodeIndex + count - 1 do
      local id = tostring(nodeId)
      if waiting <= 0 then
        redis.call('ZADD', class.queue.delayed, formatScore(class.due), messageFor(runId, id, 1, class.priority))
        class.queue.signalled = true
      end
      stateArgs[#stateArgs + 1] = id
      stateArgs[#stateArgs + 1] = state
    end
  elseif not rootsCursor then
    -- A ready root: no state stored (one with none is queued, delivery 1: initialRootState).
    -- Once the entries are used, it and every ready root after it are left to enqueue-roots.
    if entriesLeft == 0 then
      rootsCursor = nodeIndex
    elseif count >= RANGE_MIN then
      entriesLeft = entriesLeft - 1
      sequence = sequence + 1
      local score = readyScore(class.priority, sequence)
      addRange(class.queue, score, runId, nodeIndex, nodeIndex + count - 1, 1, class.priority)
      class.queue.signalled = true
      recordRange(run.meta, class.queue.name, score)
    else
      local taken = math.min(count, entriesLeft)
      local readyArgs = class.queue.readyArgs
      for nodeId = nodeIndex, nodeIndex + taken - 1 do
        sequence = sequence + 1
        if eagerLeft > 0 and class.queue.eager then
          eagerLeft = eagerLeft - 1
          eager[#eager + 1] = { id = tostring(nodeId), class = class }
        else
          readyArgs[#readyArgs + 1] = readyScore(class.priority, sequence)
          readyArgs[#readyArgs + 1] = messageFor(runId, tostring(nodeId), 1, class.priority)
        end
      end
      entriesLeft = entriesLeft - taken
      if taken < count then rootsCursor = nodeIndex + taken end
    end
  end
  nodeIndex = nodeIndex + count
end
callInChunks('HSET', run.nodes, stateArgs)
if rootsCursor then redis.call('HSET', run.meta, 'rootsCursor', rootsCursor) end
for _, queue in pairs(queues) do
  callInChunks('ZADD', queue.ready, queue.readyArgs)
  -- Also for delayed roots: a blocked worker wakes up and shortens its wait to the due time. A
  -- queue whose roots all started here has nothing to wake a worker for.
  if #queue.readyArgs > 0 or queue.signalled then ensureSignal(queue.signal, runId) end
end

eventsFor(run, runId, maxEvents > 0 and ARGV[9] or false)
emitEvent('run.submitted', nil, nil, nil, cjson.encode({ name = ARGV[2], nodeCount = nodeCount }))
local reply = { now, rootsCursor and 1 or 0 }
if #eager > 0 then
  eventsWorker(ARGV[12])
  local runContext = { trace = ARGV[8] ~= '' and ARGV[8] or nil, reopened = 0, createdAt = now, status = RUN_RUNNING }
  local writes = NodeWrites.new(run.nodes)
  local deadline = formatScore(now + tonumber(ARGV[13]))
  for _, root in ipairs(eager) do
    local message = messageFor(runId, root.id, 1, root.class.priority)
    redis.call('ZADD', root.class.queue.leases, deadline, message)
    local specJson = inline and ARGV[firstSpec + tonumber(root.id)] or redis.call('HGET', run.specs, root.id)
    reply[#reply + 1] = message
    reply[#reply + 1] = root.class.queue.name
    reply[#reply + 1] = startNode(run, root.id, initialRootState(), specForStart(specJson), specJson, now, runContext, writes, nil)
  end
  writes:flush()
end
flushEvents()
return reply
