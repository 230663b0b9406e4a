-- The one owner of a node's stored state (a field of the run's `nodes` hash), inlined where a
-- script says --- @include "node-state", after "common" and "nodes". src/store/node-state.ts
-- reads the same format. A state is one positional text:
--   status|waiting|attempts|leaseExpiries|attemptOffset|delivery|queuedAt|startedAt|finishedAt|hold|rerun|span|progress
-- status is its one-character code (NODE_STATUS_CODE, from src/store/lua-constants.ts), every
-- other field is empty when absent, the numbers are decimal integers, span a W3C traceparent and
-- progress the JSON text last given (the rest of the text, so it may hold '|'). One pattern reads
-- it and one concatenation writes it, in every script alike: no template for a common state is
-- needed, because no state costs a JSON encoder. A root that never started has no state at all
-- (most of a wide group): readers treat absence as initialRootState().

local STATE_PATTERN = '^(%l)|(%d*)|(%d*)|(%d*)|(%d*)|(%d*)|(%d*)|(%d*)|(%d*)|(%d*)|(%d*)|([^|]*)|(.*)$'

-- The run whose states this script reads, named by the RUN_DAMAGED error of a state that does
-- not decode (statesOfRun; '?' in a script that is not told).
local stateRunId = '?'
local function statesOfRun(runId)
  stateRunId = runId
end

-- The state in raw, or nil when raw is in no format this module writes (an older format, or
-- damage). For a caller that reports damage itself (repair-run); the others use readState.
local function decodeState(raw)
  local code, waiting, attempts, leaseExpiries, attemptOffset, delivery, queuedAt, startedAt, finishedAt, hold, rerun, span, progress =
    string.match(raw, STATE_PATTERN)
  local status = code and NODE_STATUS_BY_CODE[code]
  if not status then return nil end
  return {
    status = status, waiting = tonumber(waiting), attempts = tonumber(attempts), leaseExpiries = tonumber(leaseExpiries),
    attemptOffset = tonumber(attemptOffset), delivery = tonumber(delivery), queuedAt = tonumber(queuedAt),
    startedAt = tonumber(startedAt), finishedAt = tonumber(finishedAt), hold = tonumber(hold), rerun = tonumber(rerun),
    span = span ~= '' and span or nil, progress = progress ~= '' and progress or nil,
  }
end

-- A state that does not decode stops the script with RUN_DAMAGED (raised: the reader may be deep
-- in a loop), never read as something else.
local function stateDamaged(nodeId)
  error({ err = 'RUN_DAMAGED ' .. stateRunId .. ' node ' .. nodeId .. ' has a state in no known format' })
end

local function readState(raw, nodeId)
  return decodeState(raw) or stateDamaged(nodeId)
end

-- The status alone, read from the first character (for loops that skip most states unread).
local function stateStatus(raw, nodeId)
  local status = string.byte(raw, 2) == 124 and NODE_STATUS_BY_CODE[string.sub(raw, 1, 1)]
  return status or stateDamaged(nodeId)
end

local function numberField(value)
  if value == nil then return '' end
  return string.format('%.0f', value)
end

local function encodeFields(node)
  return NODE_STATUS_CODE[node.status] .. '|' .. numberField(node.waiting) .. '|' .. numberField(node.attempts)
    .. '|' .. numberField(node.leaseExpiries) .. '|' .. numberField(node.attemptOffset) .. '|' .. numberField(node.delivery)
    .. '|' .. numberField(node.queuedAt) .. '|' .. numberField(node.startedAt) .. '|' .. numberField(node.finishedAt)
    .. '|' .. numberField(node.hold) .. '|' .. numberField(node.rerun) .. '|' .. (node.span or '') .. '|' .. (node.progress or '')
end

-- The commonest state a call writes, a root's first start (every member of a wide group), differs
-- only by startedAt, which is the call's clock: its text is built once per call, not per member.
local firstStartTexts = {}
local function encodeState(node)
  if node.attempts == 1 and node.delivery == 1 and node.status == NODE_RUNNING and node.waiting == nil
    and node.queuedAt == nil and node.leaseExpiries == nil and node.attemptOffset == nil and node.finishedAt == nil
    and node.hold == nil and node.rerun == nil and node.span == nil and node.progress == nil then
    local text = firstStartTexts[node.startedAt]
    if not text then
      text = encodeFields(node)
      firstStartTexts[node.startedAt] = text
    end
    return text
  end
  return encodeFields(node)
end

-- Two transitions made on the text itself, for the calls made once per node (a completion's fence
-- and its success): no table and no encoding, in the same format decodeState and encodeState use.
local RUNNING_CODE, SUCCEEDED_CODE = NODE_STATUS_CODE[NODE_RUNNING], NODE_STATUS_CODE[NODE_SUCCEEDED]
-- The attempt number of a running state; nil for a state of any other status (or none decodable).
local function runningAttempt(raw)
  if string.sub(raw, 1, 1) ~= RUNNING_CODE then return nil end
  return tonumber(string.match(raw, '^.|%d*|(%d+)|'))
end
-- A running state's text made succeeded at finishedAt (decimal text), with span (the attempt's
-- span context) in place of its own unless span is ''.
local SUCCEED_PATTERN = '^.(|[^|]*|[^|]*|[^|]*|[^|]*|[^|]*|[^|]*|[^|]*|)[^|]*(|[^|]*|[^|]*|)([^|]*)(|.*)$'
local function succeededText(raw, finishedAt, span)
  local before, between, ownSpan, rest = string.match(raw, SUCCEED_PATTERN)
  return SUCCEEDED_CODE .. before .. finishedAt .. between .. (span ~= '' and span or ownSpan) .. rest
end

-- The state of a root that has not started since submit, which has none stored: queued,
-- delivery 1, queued at the run's createdAt. A new table each time: callers change it.
local function initialRootState()
  return { status = NODE_QUEUED, delivery = 1 }
end

-- A node's state, or nil when none is stored.
local function loadNode(nodesKey, nodeId)
  local raw = redis.call('HGET', nodesKey, nodeId)
  if not raw then return nil end
  return readState(raw, nodeId)
end

-- loadNode for a node that may be a root with no state: the initial root state when it has a
-- spec but no state, or nil when there is no such node.
local function loadNodeOrRoot(nodesKey, specsKey, nodeId)
  local node = loadNode(nodesKey, nodeId)
  if node then return node end
  if redis.call('HEXISTS', specsKey, nodeId) == 1 then return initialRootState() end
  return nil
end

local function saveNode(nodesKey, nodeId, node)
  redis.call('HSET', nodesKey, nodeId, encodeState(node))
end

-- Many nodes' states in chunked HMGETs: { [nodeId] = state } (absent: none stored).
local function loadStates(nodesKey, ids)
  local states = {}
  for id, raw in pairs(loadRaw(nodesKey, ids)) do states[id] = readState(raw, id) end
  return states
end

-- Node states to write with one HSET per 1000 nodes: NodeWrites.new(nodesKey), :add(id, node)
-- (a state, or its text from succeededText), :flush(). A later add of the same node replaces the earlier one.
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
    batch[#batch + 1] = type(state) == 'string' and state or encodeState(state)
  end
  callInChunks('HSET', self.key, batch)
  self.order, self.states = {}, {}
end
