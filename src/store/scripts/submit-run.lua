--[[
  submit-run: commit a whole run at once (its meta, every node's spec, the state of every node
  but the queued roots, its index entries) and enqueue the nodes that depend on nothing. Either
  the run exists completely afterwards or not at all: every check happens before the first write.

  The specs are not in ARGV: the submitting client staged them just before, with plain HSETs
  (pipelined with this call, one round trip in all) into a hash of its own, which this script
  renames to the run's specs. Passing the specs through ARGV and a Lua table would cost Redis
  more than the HSETs and this script together (docs/performance.md).
  Until the rename nothing reads the staging hash, and it expires if the client dies before
  committing.

  KEYS[1..13]  the run's keys (runScriptKeys in keys.ts): meta, nodes, specs, results, errors,
               runs index, runs by status (running, succeeded, failed, cancelled),
               expiry index, expired tombstones, event stream
  KEYS[14]     sequence: counter for first-come-first-served order inside a priority
  KEYS[15]     the staged specs (hash: node id -> spec JSON, every node of the run)
  KEYS[16..]   for each queue a root node is delivered on, five keys: ready, delayed, leases,
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
  ARGV[10] number of root queues Q whose keys follow KEYS[15]
  ARGV[11 .. 10+Q] those queue names, in KEYS order
  ARGV[11+Q]       number of root classes C: the distinct (queue, priority, countdown, eta) of
                   the nodes that depend on nothing
  ARGV[12+Q ..]    for each class, four values: queue name, priority, countdown in ms, and eta
                   (ms since the epoch, by Redis's clock; 0 for none)
  then             the number of nodes N (ids "0" .. N-1)
  then             each node's number of dependencies (> 0), or -k for a root of class k
                   (1-based), run-length encoded in id order: pairs of (value, how many
                   consecutive nodes have it). A 10,000-wide chord is two pairs.

  Returns: { the run's creation time (ms, Redis clock), 1 when ready roots are left to
  enqueue-roots (the meta's rootsCursor names the first), else 0 }, or an error reply, with nothing written
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
local queueCount = tonumber(ARGV[10])
local queues = {}
for index = 1, queueCount do
  local queue = queueKeysAt(KEYS, RUN_KEY_COUNT + 3 + (index - 1) * QUEUE_KEY_COUNT)
  queue.name, queue.readyArgs = ARGV[10 + index], {}
  queues[queue.name] = queue
end
local classCount = tonumber(ARGV[11 + queueCount])
local classes = {}
for index = 1, classCount do
  local base = 12 + queueCount + (index - 1) * 4
  local queue = queues[ARGV[base]]
  -- Check before the first write (Redis does not roll back a script that errors half way).
  if not queue then return refuse('QUEUE_KEYS_MISSING ' .. ARGV[base]) end
  -- due: nil for a root that is ready at once.
  classes[index] = { queue = queue, priority = tonumber(ARGV[base + 1]), due = delayedUntil(tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3]), now) }
end
local nodeCountAt = 12 + queueCount + classCount * 4
local nodeCount = tonumber(ARGV[nodeCountAt])
local staged = redis.call('HLEN', stagedSpecs)
if staged ~= nodeCount then return refuse('STAGING_INCOMPLETE ' .. staged .. ' ' .. nodeCount) end

-- Index members sort by creation time, then id: listRuns pages through them by lex range.
local indexMember = string.format('%015d', now) .. ':' .. runId
redis.call('HSET', run.meta,
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
  'indexMember', indexMember)
if ARGV[8] ~= '' then redis.call('HSET', run.meta, 'trace', ARGV[8]) end
-- Every later script reads the run's event setting from here (events.lua).
if maxEvents > 0 then redis.call('HSET', run.meta, 'events', maxEvents) end
redis.call('ZADD', run.all, 0, indexMember)
redis.call('ZADD', run.byStatus.running, 0, indexMember)
-- RENAME keeps the staging hash's expiry: the run's specs live until its retention says.
redis.call('RENAME', stagedSpecs, run.specs)
redis.call('PERSIST', run.specs)

-- Roots: delayed ones by due time, the ready ones into ready with consecutive sequence numbers,
-- as ranges or messages, until COMMIT_READY_ROOTS entries are used (see the header). A first
-- pass counts the entries, for one INCRBY of the sequence.
local firstPair = nodeCountAt + 1
local entries = 0
for position = firstPair, #ARGV, 2 do
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
local nodeIndex = 0
for position = firstPair, #ARGV, 2 do
  local waiting = tonumber(ARGV[position])
  local class = classes[-waiting]
  local count = tonumber(ARGV[position + 1])
  if waiting > 0 or class.due then
    -- Pending nodes and delayed roots: a state each (and a delayed message for a root).
    local state = waiting > 0 and encodeState({ status = NODE_PENDING, waiting = waiting }) or delayedState
    for nodeId = nodeIndex, nodeIndex + count - 1 do
      local id = tostring(nodeId)
      if waiting <= 0 then redis.call('ZADD', class.queue.delayed, formatScore(class.due), messageFor(runId, id, 1, class.priority)) end
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
      recordRange(run.meta, class.queue.name, score)
    else
      local taken = math.min(count, entriesLeft)
      local readyArgs = class.queue.readyArgs
      for nodeId = nodeIndex, nodeIndex + taken - 1 do
        sequence = sequence + 1
        readyArgs[#readyArgs + 1] = readyScore(class.priority, sequence)
        readyArgs[#readyArgs + 1] = messageFor(runId, tostring(nodeId), 1, class.priority)
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
  -- Also for delayed roots: a blocked worker wakes up and shortens its wait to the due time.
  ensureSignal(queue.signal)
end

eventsFor(run, runId, maxEvents > 0 and ARGV[9] or false)
emitEvent('run.submitted', nil, nil, nil, cjson.encode({ name = ARGV[2], nodeCount = nodeCount }))
flushEvents()
return { now, rootsCursor and 1 or 0 }
