-- The event stream, {p}:events (inlined where a script says --- @include "events", after
-- "common" and before "run"; src/store/events.ts decodes it, and nothing else reads or writes
-- it). The events of one script call go into one stream entry, written at the end of the call,
-- as one text: one XADD of five arguments per call keeps a wide group's batch nearly as cheap
-- with events as without (an XADD argument per event cost about twice as much). An entry is
--   'run', <run id>, 'events', '<type>|<node id>|<attempt>|<task>|<detail JSON>\n...'
--   [, 'worker', <worker id>]
-- one line per event, with empty parts where an event has none; `worker` is the registry id of
-- the worker the call's node.started events started attempts for (start-nodes, complete-nodes). Task names hold no '|' or white
-- space, and every detail is JSON from an encoder (cjson, JSON.stringify), which escapes line
-- breaks, so the detail is the rest of its line. A call with more than EVENTS_PER_ENTRY events
-- writes several entries. The stream is trimmed with MAXLEN ~ to the length in the run's meta
-- field `events`, copied from the submitting app's options; a run without it records none.
local EVENTS_PER_ENTRY = 1000
local eventsKey, eventsMetaKey, eventsRunId = nil, nil, nil
-- The worker the caller named (eventsWorker): every attempt one call starts is started for it,
-- so it is written once per entry (a trailing `worker`, <id> pair) rather than on each line.
local eventsWorkerId = nil
-- nil: the run's setting is not read yet; false: the run records no events.
local eventsMaxLen = nil
local eventLines, eventCount = {}, 0

-- Which run the events emitted from now on are about (a script that changes several runs, such
-- as complete-nodes, flushes before it moves to the next). maxLen: the meta's `events` field when
-- the caller has already read it (false when absent); nil: read when the first event is emitted.
local function eventsFor(run, runId, maxLen)
  eventsKey, eventsMetaKey, eventsRunId = run.events, run.meta, runId
  eventsMaxLen = maxLen
end

-- The worker (its registry id) that this call starts attempts for: named in node.started.
local function eventsWorker(workerId)
  if workerId and workerId ~= '' then eventsWorkerId = workerId end
end

-- Append what was emitted to the stream. Every script that emits calls it before it returns.
local function flushEvents()
  if eventCount == 0 then return end
  local text = table.concat(eventLines, '\n')
  if eventsWorkerId then
    redis.call('XADD', eventsKey, 'MAXLEN', '~', eventsMaxLen, '*', 'run', eventsRunId, 'events', text, 'worker', eventsWorkerId)
  else
    redis.call('XADD', eventsKey, 'MAXLEN', '~', eventsMaxLen, '*', 'run', eventsRunId, 'events', text)
  end
  eventLines, eventCount = {}, 0
end

-- Attempt numbers as text: Lua 5.1 formats a number with sprintf, per event otherwise.
local attemptTexts = {}

-- nodeId, attempt (a number), task and detail (a JSON text) may be nil.
local function emitEvent(eventType, nodeId, attempt, task, detail)
  if eventsMaxLen == nil then eventsMaxLen = redis.call('HGET', eventsMetaKey, 'events') end
  if not eventsMaxLen then return end
  local attemptText = ''
  if attempt then
    attemptText = attemptTexts[attempt]
    if not attemptText then
      attemptText = tostring(attempt)
      attemptTexts[attempt] = attemptText
    end
  end
  eventCount = eventCount + 1
  eventLines[eventCount] = eventType .. '|' .. (nodeId or '') .. '|' .. attemptText .. '|' .. (task or '') .. '|' .. (detail or '')
  if eventCount == EVENTS_PER_ENTRY then flushEvents() end
end
