-- Reading and writing node states, and reading hash fields in bulk (inlined where a script says
-- --- @include "nodes", after "common" and "spec").

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

-- Read many nodes' state (or specs, with decode = decodeSpec from spec.lua) in chunked HMGETs:
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
