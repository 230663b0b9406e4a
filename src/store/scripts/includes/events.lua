-- The event stream, {p}:events (inlined where a script says --- @include "events", after
-- "common" and before "run"; src/store/events.ts decodes it, and nothing else reads or writes
-- it). The events of one script call go into one stream entry, written at the end of the call:
-- one XADD per call keeps a wide group's batch as cheap as a chain's hop. An entry is
--   'run', <run id>, then per event: <type>, '<node id>|<attempt>|<task>|<detail JSON>'
-- with empty parts where an event has none (task names cannot hold '|'; the detail is last, so
-- it may). A call with more than EVENTS_PER_ENTRY events writes several entries: unpack() is
-- bounded by Lua's C stack. The stream is trimmed with MAXLEN ~ to the length in the run's
-- meta field `events`, copied from the submitting app's options; a run without it records none.
local EVENTS_PER_ENTRY = 1000
local eventsKey, eventsMetaKey, eventsRunId = nil, nil, nil
-- nil: the run's setting is not read yet; false: the run records no events.
local eventsMaxLen = nil
local eventArgs, eventCount = {}, 0

-- Which run this call's events are about (every run-level script changes one run). maxLen: the
-- meta's `events` field when the caller has already read it (false when absent).
local function eventsFor(run, runId, maxLen)
  eventsKey, eventsMetaKey, eventsRunId = run.events, run.meta, runId
  if maxLen ~= nil then eventsMaxLen = maxLen end
end

-- Append what was emitted to the stream. Every script that emits calls it before it returns.
local function flushEvents()
  if eventCount == 0 then return end
  redis.call('XADD', eventsKey, 'MAXLEN', '~', eventsMaxLen, '*', 'run', eventsRunId, unpack(eventArgs))
  eventArgs, eventCount = {}, 0
end

-- nodeId, attempt, task and detail (a JSON text) may be nil.
local function emitEvent(eventType, nodeId, attempt, task, detail)
  if eventsMaxLen == nil then eventsMaxLen = redis.call('HGET', eventsMetaKey, 'events') end
  if not eventsMaxLen then return end
  eventArgs[#eventArgs + 1] = eventType
  eventArgs[#eventArgs + 1] = (nodeId or '') .. '|' .. (attempt or '') .. '|' .. (task or '') .. '|' .. (detail or '')
  eventCount = eventCount + 1
  if eventCount == EVENTS_PER_ENTRY then flushEvents() end
end
