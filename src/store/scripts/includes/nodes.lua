-- Reading and writing node states and specs (inlined where a script says --- @include "nodes",
-- after "common").

local function loadNode(nodesKey, nodeId)
  local raw = redis.call('HGET', nodesKey, nodeId)
  if not raw then return nil end
  return cjson.decode(raw)
end

-- A root that has not started since submit has no state stored (most of a wide group: it
-- saves their memory and submit's time): it is queued, delivery 1, queued at the run's
-- createdAt. Delayed roots and nodes with dependencies always have a state.
-- UNSTARTED_ROOT is that state, shared and never written to: what start-messages reads for
-- such a root (startNode knows it by identity and writes the started state without a table);
-- initialRootState() is a copy of it, for the scripts that change the state they read.
local UNSTARTED_ROOT = { status = 'queued', delivery = 1 }
local function initialRootState()
  return { status = UNSTARTED_ROOT.status, delivery = UNSTARTED_ROOT.delivery }
end

-- loadNode for a node that may be such a root: its state, the initial root state when it has a
-- spec but no state, or nil when there is no such node.
local function loadNodeOrRoot(nodesKey, specsKey, nodeId)
  local node = loadNode(nodesKey, nodeId)
  if node then return node end
  if redis.call('HEXISTS', specsKey, nodeId) == 1 then return initialRootState() end
  return nil
end

local function saveNode(nodesKey, nodeId, node)
  redis.call('HSET', nodesKey, nodeId, cjson.encode(node))
end

-- Specs are stored without their defaults (they are most of a wide group's memory): no
-- "queue" means "default" (DEFAULT_QUEUE, common.lua), and no "nextQueues" beside "next" means
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

-- Read many nodes' state (or specs, with decode = decodeSpec) in chunked HMGETs:
-- { [nodeId] = decoded or nil }, and the raw JSON by node id too.
local function loadMany(key, ids, decode)
  decode = decode or cjson.decode
  local raw = loadRaw(key, ids)
  local decoded = {}
  for id, value in pairs(raw) do decoded[id] = decode(value) end
  return decoded, raw
end

-- Node states to write with one HSET per 1000 nodes: NodeWrites:new(nodesKey), :add(id, node)
-- (a state table, or its JSON already encoded), :flush(). A later add of the same node replaces
-- the earlier one.
local NodeWrites = {}
NodeWrites.__index = NodeWrites
function NodeWrites.new(nodesKey)
  return setmetatable({ key = nodesKey, order = {}, states = {} }, NodeWrites)
end
function NodeWrites:add(nodeId, node)
  if not self.states[nodeId] then self.order[#self.order + 1] = nodeId end
  self.states[nodeId] = node
end
function NodeWrites:flush()
  local batch = {}
  for _, nodeId in ipairs(self.order) do
    batch[#batch + 1] = nodeId
    local state = self.states[nodeId]
    batch[#batch + 1] = type(state) == 'string' and state or cjson.encode(state)
  end
  callInChunks('HSET', self.key, batch)
  self.order, self.states = {}, {}
end
