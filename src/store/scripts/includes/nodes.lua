-- Reading specs, and hash fields as stored (inlined where a script says --- @include "nodes",
-- after "common"). Node states are read and written by node-state.lua.

-- Specs are stored without their defaults (they are most of a wide group's memory): no
-- "queue" means DEFAULT_QUEUE (src/store/lua-constants.ts), and no "nextQueues" beside "next" means
-- { "default" }.
--
-- A spec of LARGE_SPEC_BYTES or more with an "input" (a join of a very wide group: its
-- template names every member) is decoded without its template, which would cost Redis a
-- table per member: spec.inputDeferred is set instead, and the worker reads such a node's
-- template and inputs itself (startNode). The template is cut out by its text: it starts at the
-- first ',"input":{"' and ends at the last '}' before the spec's own, as every field specJsonOf
-- (graph/plan.ts) writes after "input" is a number or a list of ids. Such a text inside args
-- cuts the args' brackets in two, which cjson refuses: then the spec is decoded whole.
local LARGE_SPEC_BYTES = 65536
local function withoutTemplate(raw)
  local from = string.find(raw, ',"input":{"', 1, true)
  if not from then return nil end
  local position = #raw - 1
  while position > from and string.byte(raw, position) ~= 125 do position = position - 1 end
  local ok, spec = pcall(cjson.decode, string.sub(raw, 1, from - 1) .. string.sub(raw, position + 1))
  if not ok or spec.input then return nil end
  spec.inputDeferred = true
  return spec
end
local function decodeSpec(raw)
  local spec = #raw >= LARGE_SPEC_BYTES and withoutTemplate(raw) or cjson.decode(raw)
  spec.queue = spec.queue or DEFAULT_QUEUE
  if spec.next and not spec.nextQueues then spec.nextQueues = { DEFAULT_QUEUE } end
  return spec
end

-- What most scripts need of a spec, read without decoding it (cjson allocates a table per
-- spec, and a wide group's batch reads dozens): the dependants and the queues they are
-- delivered on. specJsonOf (graph/plan.ts) writes "next" first, with decimal node ids, and
-- "nextQueues" right after it when they are not the default. A spec of another layout, or with
-- "nextQueues", is decoded in full. Returns next, nextQueues (nil, nil: no dependants); the
-- default nextQueues table and the single-dependant lists are shared and must not be changed.
local DEFAULT_NEXT_QUEUES = { DEFAULT_QUEUE }
-- One list per single dependant, shared by the specs of this call that name it (a wide group's
-- members all name their join): read-only, like DEFAULT_NEXT_QUEUES.
local SINGLE_NEXT = {}
local function specRouting(raw)
  -- One dependant (a group member's join, a chain step's successor): one capture, no loop.
  local id, afterId = string.match(raw, '^{"next":%["(%d+)"%]()')
  if id and string.sub(raw, afterId, afterId + 7) == ',"task":' then
    local next = SINGLE_NEXT[id]
    if not next then
      next = { id }
      SINGLE_NEXT[id] = next
    end
    return next, DEFAULT_NEXT_QUEUES
  end
  local list, after = string.match(raw, '^{"next":%[([%d",]*)%]()')
  if list and string.sub(raw, after, after + 13) ~= ',"nextQueues":' then
    local next = {}
    for id in string.gmatch(list, '%d+') do next[#next + 1] = id end
    return next, DEFAULT_NEXT_QUEUES
  end
  -- (A large spec goes to decodeSpec, which is cheap for it, rather than through a search of its text.)
  if not list and #raw < LARGE_SPEC_BYTES and not string.find(raw, '"next":', 1, true) then return nil, nil end
  local spec = decodeSpec(raw)
  return spec.next, spec.nextQueues
end

-- What startNode needs of a spec: only its input template, so a spec without one (a group's
-- members, a chain's first step) is not decoded. Every "input" specJsonOf writes follows
-- another field (",\"input\":"); the same text inside args only costs a decode.
local NO_INPUT_SPEC = {}
local function specForStart(raw)
  if string.find(raw, ',"input":', 1, true) then return decodeSpec(raw) end
  return NO_INPUT_SPEC
end

local function loadSpec(specsKey, nodeId)
  local raw = redis.call('HGET', specsKey, nodeId)
  if not raw then return nil, nil end
  return decodeSpec(raw), raw
end

-- Many hash fields as stored (no decoding), in chunked HMGETs: { [id] = raw or nil }.
local function loadRaw(key, ids)
  local raw = {}
  for first = 1, #ids, 1000 do
    local last = math.min(first + 999, #ids)
    local values = redis.call('HMGET', key, unpack(ids, first, last))
    for index = first, last do raw[ids[index]] = values[index - first + 1] or nil end
  end
  return raw
end
