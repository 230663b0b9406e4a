-- Reading node specs (inlined where a script says --- @include "spec", after "common"): the one
-- reader in Lua of the format src/store/spec-format.ts writes and defines. A spec is a JSON array
-- with fixed positions:
--   [route, input, task, args]  or  [route, input, task, args, options]
-- route: the dependants' ids joined by "," ("" for none), followed by ";" and their queues joined
-- by "|" only when any is not DEFAULT_QUEUE; "=" and one id when that one dependant is a chain
-- step after this node (a hop: the worker sends its completion to complete-step); input: 0 or the compacted template (an object whose
-- only strings are decimal ids); options: an object (queue, priority, countdownMs, etaMs, after),
-- present only when one of them is set, so a spec ending in "]]" has none. The functions here
-- read the route, input and task by those positions without decoding the spec (cjson allocates a
-- table per spec, and a wide group's batch reads dozens); anything else decodes it whole.

-- Specs are decoded to one table shape: { next, nextQueues, input, task, args, queue, priority,
-- countdownMs, etaMs, after, inputDeferred }, with the defaults put back (queue, nextQueues).
--
-- A spec of LARGE_SPEC_BYTES or more with an input (a join of a very wide group: its template
-- names every member) is decoded without its template, which would cost Redis a table per
-- member: spec.inputDeferred is set instead, and the worker reads such a node's template and
-- inputs itself (startNode). The template is the balanced {...} right after the route.
local LARGE_SPEC_BYTES = 65536

-- The route's text and where the input starts, for a route with no escaped character (any
-- other route is read by decoding the spec).
local function routeOf(raw)
  return string.match(raw, '^%["([^"\\]*)",()')
end

-- The items of a list of ids ('[^,]+') or of queues ('[^|]+').
local function splitRoute(text, item)
  local items = {}
  for found in string.gmatch(text, item) do items[#items + 1] = found end
  return items
end

local function specFromArray(value)
  local spec = { task = value[3], args = value[4] }
  local options = value[5]
  if options then
    spec.queue, spec.priority, spec.countdownMs, spec.etaMs, spec.after, spec.spread, spec.branches, spec.parent =
      options.queue, options.priority, options.countdownMs, options.etaMs, options.after, options.spread, options.branches,
      options.parent
    spec.guards, spec.errback = options.guards, options.errback
  end
  spec.queue = spec.queue or DEFAULT_QUEUE
  if value[2] ~= 0 then spec.input = value[2] end
  local route = value[1]
  if string.byte(route, 1) == 61 then route = string.sub(route, 2) end -- "=": a hop's route
  if route ~= '' then
    local ids, queues = string.match(route, '^([^;]*);(.*)$')
    spec.next = splitRoute(ids or route, '[^,]+')
    spec.nextQueues = queues and splitRoute(queues, '[^|]+') or { DEFAULT_QUEUE }
  end
  return spec
end

local function withoutTemplate(raw)
  local _, from = routeOf(raw)
  if not from or string.byte(raw, from) ~= 123 then return nil end
  local _, to = string.find(raw, '^%b{}', from)
  if not to then return nil end
  local ok, value = pcall(cjson.decode, string.sub(raw, 1, from - 1) .. '0' .. string.sub(raw, to + 1))
  if not ok then return nil end
  local spec = specFromArray(value)
  spec.inputDeferred = true
  return spec
end

local function decodeSpec(raw)
  return #raw >= LARGE_SPEC_BYTES and withoutTemplate(raw) or specFromArray(cjson.decode(raw))
end

local function loadSpec(specsKey, nodeId)
  local raw = redis.call('HGET', specsKey, nodeId)
  if not raw then return nil, nil end
  return decodeSpec(raw), raw
end

-- What most scripts need of a spec: the dependants and the queues they are delivered on.
-- Returns next, nextQueues (nil, nil: no dependants); the default nextQueues table and the
-- single-dependant lists are shared and must not be changed.
local DEFAULT_NEXT_QUEUES = { DEFAULT_QUEUE }
-- One list per single dependant, shared by the specs of this call that name it (a wide group's
-- members all name their join): read-only, like DEFAULT_NEXT_QUEUES.
local SINGLE_NEXT = {}
local function specRouting(raw)
  -- One dependant on the default queue (a group member's join, a chain step's successor): one
  -- pattern, no new table.
  local single = string.match(raw, '^%["=?(%d+)",')
  if single then
    local next = SINGLE_NEXT[single]
    if not next then
      next = { single }
      SINGLE_NEXT[single] = next
    end
    return next, DEFAULT_NEXT_QUEUES
  end
  local route = routeOf(raw)
  if not route then
    local spec = decodeSpec(raw)
    return spec.next, spec.nextQueues
  end
  if route == '' then return nil, nil end
  local ids, queues = string.match(route, '^([^;]*);(.*)$')
  if ids then return splitRoute(ids, '[^,]+'), splitRoute(queues, '[^|]+') end
  return splitRoute(route, '[^,]+'), DEFAULT_NEXT_QUEUES
end

-- The dependant a spec marks as its hop (route "=<id>", SpecFields.hop), else nil.
local function specHop(raw)
  return string.match(raw, '^%["=(%d+)",')
end

-- Whether a spec has no options but maybe `parent` (a node a map added): default queue,
-- priority 0, no countdown, eta or `after`. `parent` is always the last option written.
local function specPlain(raw)
  return string.sub(raw, -2) == ']]' or string.find(raw, ',{"parent":"%d+"}%]$') ~= nil
end

-- Whether a spec's input is exactly the result of node nodeId and it has no options (default
-- queue, priority 0, no countdown, eta or `after`).
local function specReadsOnly(raw, nodeId)
  return specPlain(raw) and string.match(raw, '^%["[^"\\]*",{"node":"(%d+)"},') == nodeId
end

-- The queue and priority of a spec, decoding it only when it has options.
local function specQueueAndPriority(raw)
  if specPlain(raw) then return DEFAULT_QUEUE, 0 end
  local spec = decodeSpec(raw)
  return spec.queue, spec.priority or 0
end

-- A spec's task name (for events), read by position; a spec whose route or task has an escaped
-- character is decoded.
local function specTask(raw)
  if not raw then return nil end
  -- No input (a group's members), or one node's result (a chain's steps): one pattern each.
  local task = string.match(raw, '^%["[^"\\]*",0,"([^"\\]*)"') or string.match(raw, '^%["[^"\\]*",{"node":"%d+"},"([^"\\]*)"')
  if task then return task end
  local _, from = routeOf(raw)
  if from then
    local _, to = string.find(raw, '^%b{}', from)
    task = to and string.match(raw, '^,"([^"\\]*)"', to + 1)
    if task then return task end
  end
  return cjson.decode(raw)[3]
end

-- What startNode needs of a spec: only its input template, so a spec without one (a group's
-- members, a chain's first step) is not decoded.
local NO_INPUT_SPEC = {}
local function specForStart(raw)
  local _, from = routeOf(raw)
  if from and string.byte(raw, from) == 48 then return NO_INPUT_SPEC end
  return decodeSpec(raw)
end

-- Whether a node goes on in a failed run (starts, retries, releases what follows it): an error
-- callback's node, or an onError's NO_ERROR_TASK, whose skip must not leave its callback pending.
local function runsWhenFailed(spec)
  return spec.errback == true or spec.task == NO_ERROR_TASK
end
