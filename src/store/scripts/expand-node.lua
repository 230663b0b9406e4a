--[[
  expand-node: a map node's attempt found its list, or a handler returned replace(canvas); the
  nodes that run the map's element once per item (or the replacement canvas once) are added to
  the run, all in this one call, so no reader sees the run half expanded.
  Fenced by attempt like complete-nodes. The worker built the specs (store/expansion-format.ts
  owns the layout) for ids ARGV[5] onwards, which must be the run's nodeCount: another expansion
  of the same run that committed first makes this call answer 'conflict', and the worker builds
  them again from the new count (nothing is written).

  Layout from first id B, for n items and k nodes per element: s item nodes B .. B+s-1 (born
  succeeded, each one's result its item, so an element node that reads the item other than as
  its first bound arg reads it as any upstream result; s is n when one does, else 0), then
  element i's node r (1 .. k) at B + s + i*k + r - 1. The element's exits name the
  map node as their dependant: it goes back to pending, waiting for all of them, and when the
  last succeeds complete-nodes gathers their values as its result (includes/expansion.lua).

  In a cancelled or failed run nothing is added: the map node is cancelled (a resume expands it
  again), and its dependants with it.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16..]   for each queue named in ARGV (the map node's own first), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  the map node's id
  ARGV[3]  its attempt
  ARGV[4]  its message (its lease member)
  ARGV[5]  B, the first id to add (the nodeCount the worker read)
  ARGV[6]  n, the number of items (at least 1), or 0 for a replacement
  ARGV[7]  k, the element's nodes (at least 1)
  ARGV[8]  the number of the element's exits (each waited for by the map node, per item)
  ARGV[9]  s, the item nodes to add (n or 0)
  ARGV[10] the map attempt's span context ("" for none): the map node's state keeps it, and the
           nodes it added link to it when they start (includes/start.lua)
  ARGV[11] Q, then Q queue names in KEYS order
  then     k values: each element node's waiting (0 for the element's roots)
  then     for each element node (1 .. k) four values: queue index (1-based, in the Q above),
           priority, countdownMs, etaMs (read for its roots only)
  then     the expansion's value template and exits, as JSON (the meta's `xp:<node>`)
  then     the s + c*k specs, in id order from B (c: n, or 1 for a replacement)
  then     the s items' JSON texts

  Returns: { 'expanded', nodes added }
       or  { 'conflict', nodeCount }  B is not the run's nodeCount: build again from it
       or  { 'stale' }                fenced off
       or  { 'cancelled' }            the run is not running: the map node was cancelled
       or  the error replies RUN_MISSING, RUN_DAMAGED
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"
--- @include "cancel"
--- @include "ranges"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local runId, mapId, attempt, message = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local first, n, k, exitCount = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local stored, span = tonumber(ARGV[9]), ARGV[10]
statesOfRun(runId)

local meta = redis.call('HMGET', run.meta, 'status', 'nodeCount', 'queues')
local runStatus = meta[1]
if not runStatus then return redis.error_reply('RUN_MISSING') end
local raw = redis.call('HGET', run.nodes, mapId)
if not raw or runningAttempt(raw) ~= attempt then
  if raw then readState(raw, mapId) end
  return { 'stale' }
end

local queueCount = tonumber(ARGV[11])
local queues = {}
for index = 1, queueCount do
  queues[index] = queueKeysAt(KEYS, RUN_KEY_COUNT + 2 + (index - 1) * QUEUE_KEY_COUNT)
  queues[index].name = ARGV[11 + index]
end
local now = nowMs()
local mapNode = readState(raw, mapId)
redis.call('ZREM', queues[1].leases, message)

if runStatus ~= RUN_RUNNING then
  cancelStartedNode(run, mapId, mapNode, now)
  applyRetention(run)
  flushEvents()
  return { 'cancelled' }
end
local nodeCount = tonumber(meta[2])
if nodeCount ~= first then return { 'conflict', nodeCount } end

-- A replacement's nodes may be delivered on queues the run did not use: cancel-run and
-- reopen-run need their keys, which the meta's `queues` names.
local runQueues = cjson.decode(meta[3] or '[]')
local knownQueues, grew = {}, false
for _, name in ipairs(runQueues) do knownQueues[name] = true end
for index = 1, queueCount do
  if not knownQueues[queues[index].name] then
    knownQueues[queues[index].name] = true
    runQueues[#runQueues + 1] = queues[index].name
    grew = true
  end
end
if grew then redis.call('HSET', run.meta, 'queues', cjson.encode(runQueues)) end

local at = 12 + queueCount
local waiting = {}
for r = 1, k do waiting[r] = tonumber(ARGV[at + r - 1]) end
at = at + k
local placement = {}
for r = 1, k do
  placement[r] = {
    queue = queues[tonumber(ARGV[at])], priority = tonumber(ARGV[at + 1]),
    countdownMs = tonumber(ARGV[at + 2]), etaMs = tonumber(ARGV[at + 3]),
  }
  at = at + 4
end
-- A replacement has no item and one copy of its canvas.
local copies = math.max(n, 1)
local added = stored + copies * k
local readsJson = ARGV[at]
local specsAt = at + 1
local itemsAt = specsAt + added

-- `count` ARGV values from `from` written to `key` as the fields of ids first, first + 1, ...
local function writeFrom(key, from, count)
  local fields = {}
  for index = 0, count - 1 do
    fields[#fields + 1] = tostring(first + index)
    fields[#fields + 1] = ARGV[from + index]
  end
  callInChunks('HSET', key, fields)
end

-- The specs, then the items: results and succeeded states.
writeFrom(run.specs, specsAt, added)
if stored > 0 then writeFrom(run.results, itemsAt, stored) end
local writes = NodeWrites.new(run.nodes)
local itemState = encodeState({ status = NODE_SUCCEEDED, finishedAt = now })
for item = 0, stored - 1 do writes:add(tostring(first + item), itemState) end

-- The element's roots are queued as submit-run queues a group's members: a root with no state
-- (queued, delivery 1), all the items' copies of one root as one range member (step k) from
-- RANGE_MIN items on, else a message each; a root with a countdown or an eta goes to the delayed
-- set with its state. The other element nodes wait.
local pendingTexts = {}
local delayedText = encodeState({ status = NODE_DELAYED, delivery = 1, queuedAt = now })
local signalled = {}
for r = 1, k do
  local place = placement[r]
  local firstId = first + stored + r - 1
  if waiting[r] > 0 then
    local text = pendingTexts[r]
    if not text then
      text = encodeState({ status = NODE_PENDING, waiting = waiting[r] })
      pendingTexts[r] = text
    end
    for item = 0, copies - 1 do writes:add(tostring(firstId + item * k), text) end
  else
    local due = delayedUntil(place.countdownMs, place.etaMs, now)
    if due then
      local members = {}
      for item = 0, copies - 1 do
        local nodeId = tostring(firstId + item * k)
        members[#members + 1] = formatScore(due)
        members[#members + 1] = messageFor(runId, nodeId, 1, place.priority)
        writes:add(nodeId, delayedText)
      end
      callInChunks('ZADD', place.queue.delayed, members)
    elseif copies >= RANGE_MIN then
      local score = readyScore(place.priority, redis.call('INCR', sequenceKey))
      addRange(place.queue, score, runId, firstId, firstId + (copies - 1) * k, k, place.priority)
      recordRange(run.meta, place.queue.name, score)
    else
      local members = {}
      local sequence = redis.call('INCRBY', sequenceKey, copies) - copies
      for item = 0, copies - 1 do
        members[#members + 1] = readyScore(place.priority, sequence + item + 1)
        members[#members + 1] = messageFor(runId, tostring(firstId + item * k), 1, place.priority)
      end
      callInChunks('ZADD', place.queue.ready, members)
    end
    signalled[place.queue.signal] = true
  end
end
for signal in pairs(signalled) do ensureSignal(signal, runId) end

-- The map node waits for every element's exits; then complete-nodes gathers its value.
mapNode.status = NODE_PENDING
mapNode.waiting = copies * exitCount
-- The nodes it added link to this attempt's span (includes/start.lua).
if span ~= '' then mapNode.span = span end
writes:add(mapId, mapNode)
writes:flush()
redis.call('HINCRBY', run.meta, 'nodeCount', added)
redis.call('HSET', run.meta, 'x:' .. mapId, first .. ',' .. n .. ',' .. k .. ',' .. stored, 'xp:' .. mapId, readsJson)
countUnfinished(run, copies * k)
emitEvent('node.expanded', mapId, attempt, specTask(redis.call('HGET', run.specs, mapId)), '{"first":' .. first .. ',"items":' .. n .. ',"nodes":' .. added .. ',"itemNodes":' .. stored .. '}')
flushEvents()
return { 'expanded', added }
