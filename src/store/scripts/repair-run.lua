--[[
  repair-run: look for orphans among a range of a running run's nodes, and re-enqueue them. An
  orphan is a node that waits for a worker (queued, delayed or running) while its current
  message is in none of its queue's sets (ready, delayed, leases): nothing would ever deliver it.
  Every script keeps each such node's message in one of those sets, so an orphan means state was
  lost or edited outside celeriac: a Redis restored from an older AOF or RDB, a failover that
  lost writes, a key deleted by hand. The repair sweep (store/repair.ts) runs this over every
  running run, a range of nodes per call so that no call holds Redis long.

  How an orphan is re-enqueued (its delivery number is kept, so the message is the same one):
    queued   -> ready, in arrival order
    delayed  -> delayed, due at its countdown's end or its eta, whichever is later, if it never
                ran (delayedUntil from queuedAt), else at once (a retry's backoff is not stored)
    running  -> ready, ahead of every priority, like an expired lease: its next start counts a
                lease expiry and fences off the attempt that lost it
  A pending node has no message; a finished node needs none; a ready root that submit-run left
  to enqueue-roots (past the meta's rootsCursor) gets its message from there; a root that never
  started may have its message inside a range member (includes/ranges.lua). A finished run is
  not looked at.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16..]   for each queue the run uses (its meta's `queues`), five keys: ready, delayed,
               leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  first node id to look at (ids are "0" .. nodeCount - 1)
  ARGV[3]  most nodes to look at in this call
  ARGV[4..] the queue names, in KEYS order

  Returns: { 'checked', nodes looked at, next node id to look at (-1: done), repaired node id,
             its status, repaired node id, its status, ... }
       or  { 'unchanged', status }  when the run is not running
       or  { 'damaged', what }  when the run cannot be checked: specs missing, a node of the
           range without its spec, or a node with parents (an input or `after`) without its
           state. Recorded in the meta's `damaged` field, and announced by a run.damaged event
           when it is new: a sweep runs every few minutes and must not repeat it each time.
       or  the error reply RUN_MISSING, or QUEUE_KEYS_MISSING <queue>
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
-- Repairs change no state (an orphan's message goes back where its state says): no events.
eventsFor(run, ARGV[1], false)
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId = ARGV[1]
statesOfRun(runId)
local first, most = tonumber(ARGV[2]), tonumber(ARGV[3])

local meta = redis.call('HMGET', run.meta, 'status', 'queues', 'nodeCount', 'createdAt', 'rootsCursor')
if not meta[1] then return redis.error_reply('RUN_MISSING') end
if meta[1] ~= RUN_RUNNING then return { 'unchanged', meta[1] } end
local queues, missing = runQueuesFrom(KEYS, RUN_KEY_COUNT + 2, ARGV, 4, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end

local function damaged(what)
  if redis.call('HGET', run.meta, 'damaged') ~= what then
    redis.call('HSET', run.meta, 'damaged', what)
    eventsFor(run, runId, redis.call('HGET', run.meta, 'events') or false)
    emitEvent('run.damaged', nil, nil, nil, cjson.encode({ reason = what }))
    flushEvents()
  end
  return { 'damaged', what }
end

local nodeCount = tonumber(meta[3])
local damage = missingSpecs(run, nodeCount)
if damage then return damaged(damage) end
local last = math.min(first + most - 1, nodeCount - 1)
local ids = {}
for index = first, last do ids[#ids + 1] = tostring(index) end
if #ids == 0 then return { 'checked', 0, -1 } end

local now = nowMs()
local reply = { 'checked', #ids, last < nodeCount - 1 and last + 1 or -1 }
local states = redis.call('HMGET', run.nodes, unpack(ids))
local specs = redis.call('HMGET', run.specs, unpack(ids))
local function isQueued(queue, message)
  return redis.call('ZSCORE', queue.ready, message) or redis.call('ZSCORE', queue.delayed, message)
    or redis.call('ZSCORE', queue.leases, message)
end

-- Checked first, for the whole range: a damaged run is left as it is, for a person to look at.
local nodes = {}
for index, nodeId in ipairs(ids) do
  -- Every node of the run has a spec from submit on: without one the run cannot be checked (or
  -- ever advanced), which is damage to report, not a node to skip.
  if not specs[index] then return damaged('node ' .. nodeId .. ' has no spec') end
  if states[index] then
    local node = decodeState(states[index])
    if not node then return damaged('node ' .. nodeId .. ' has a malformed state') end
    nodes[index] = node
  else
    -- Only a root that never started has no state (queued, delivery 1: node-state.lua); a node with
    -- parents has had one since submit.
    local spec = decodeSpec(specs[index])
    if spec.input or spec.after then return damaged('node ' .. nodeId .. ' has no state') end
    nodes[index] = initialRootState()
  end
end

-- A root that never started may wait inside one of the run's ranges.
local ranges = liveRanges(run.meta, runId, queues)
local function inRange(nodeId)
  local id = tonumber(nodeId)
  for _, range in ipairs(ranges) do
    if rangeHolds(range, id) then return true end
  end
  return false
end

for index, nodeId in ipairs(ids) do
  local node = nodes[index]
  -- A ready root past rootsCursor has no message yet: enqueue-roots adds it, not a repair.
  if not states[index] and meta[5] and tonumber(nodeId) >= tonumber(meta[5]) then node = nil end
  local status = node and node.status
  if status == NODE_QUEUED or status == NODE_DELAYED or status == NODE_RUNNING then
    local spec = decodeSpec(specs[index])
    local queue = queues[spec.queue]
    local message = messageFor(runId, nodeId, node.delivery, spec.priority)
    if not isQueued(queue, message) and not (not states[index] and inRange(nodeId)) then
      if status == NODE_DELAYED then
        local due = now
        if (node.attempts or 0) == 0 then
          -- A root without queuedAt was queued when the run was created (submit-run).
          local queuedAt = node.queuedAt or tonumber(meta[4]) or now
          due = math.max(now, delayedUntil(spec.countdownMs, spec.etaMs, queuedAt) or now)
        end
        redis.call('ZADD', queue.delayed, formatScore(due), message)
      elseif status == NODE_RUNNING then
        redis.call('ZADD', queue.ready, formatScore(redis.call('INCR', sequenceKey) - PRIORITY_BAND), message)
      else
        redis.call('ZADD', queue.ready, readyScore(spec.priority or 0, redis.call('INCR', sequenceKey)), message)
      end
      ensureSignal(queue.signal)
      reply[#reply + 1] = nodeId
      reply[#reply + 1] = status
    end
  end
end
return reply
