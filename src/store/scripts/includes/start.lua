-- Begin a new attempt of a node and return what a worker needs to run it, as one JSON array:
--   [attempt, leaseExpiries, attemptOffset, spec, context, inputs, missing]
-- spec: the stored spec JSON, as is. context: { queuedAt, startedAt, reopened, trace?, links? }
-- where trace is the run's stored trace context (tracing was on at submit) and links the span
-- contexts of the upstream nodes whose results this node reads (only when there is a trace).
-- attemptOffset: attempts made before the run was last resumed (each resume gives a node a
-- fresh retry budget, while `attempts` keeps counting across resumes). inputs: the upstream
-- results the node's input template reads, in the template's first-seen order (templateNodes in
-- graph/template.ts walks it the same way), with null where a result is missing, or null when
-- the node reads no input, or false when it reads too many for this call (MAX_START_INPUTS, or a
-- spec over decodeSpec's LARGE_SPEC_BYTES): the worker reads them; missing: the ids of the missing ones. One string per started node,
-- which the worker reads with one JSON.parse: a reply of separate values costs the worker more
-- to parse for a group's members (redis-parser, then a parse of the spec and one of the
-- context), and Redis a table and nine bulk strings per node.
local MAX_SPAN_LINKS = 128 -- OpenTelemetry SDKs keep 128 links per span by default
-- A start reads at most this many inputs itself; a node that reads more (the join of a very wide
-- group) gets them from its worker, in bounded reads (see startNode).
local MAX_START_INPUTS = 5000

-- What every start in one script call shares, read once: the run's trace context, how many
-- times it was reopened, when it was created, and its status (nil when the run is missing).
local function loadRunContext(run)
  local meta = redis.call('HMGET', run.meta, 'trace', 'reopened', 'createdAt', 'status')
  return {
    trace = meta[1] or nil, reopened = tonumber(meta[2] or '0'), createdAt = tonumber(meta[3]), status = meta[4] or nil,
  }
end

-- writes: a NodeWrites batch (node-state.lua) the new state joins, written by its caller.
-- known: results by node id that this call has just stored (complete-nodes passes its
-- completions'), used instead of reading them back: a chain step reads the step before it.
local NO_IDS = {}
-- Without a trace a context depends only on the run's reopened count and queuedAt within one
-- call (startedAt is the call's now): the members of a group share one. By reopened, then queuedAt.
local contextJsonByQueuedAt = {}
local function startNode(run, nodeId, node, spec, specJson, now, runContext, writes, known)
  node.status = NODE_RUNNING
  node.attempts = (node.attempts or 0) + 1
  node.startedAt = now
  -- Progress belongs to the attempt that recorded it (record-progress.lua).
  node.progress = nil
  local attempts = node.attempts
  writes:add(nodeId, node)
  emitEvent('node.started', nodeId, attempts, specTask(specJson))
  -- A root that has not been re-enqueued was queued when the run was created (submit-run).
  local queuedAt = node.queuedAt or runContext.createdAt or now
  local ids = NO_IDS
  -- Too many inputs to read here: the worker reads them itself, in bounded reads after this
  -- start, fenced by this attempt like everything it reports. No span links then.
  if spec.inputDeferred or (spec.input and not spec.input.node and templateSize(spec.input) > MAX_START_INPUTS) then
    local head = '[' .. attempts .. ',' .. (node.leaseExpiries or 0) .. ',' .. (node.attemptOffset or 0) .. ','
    local context = runContext.trace
      and cjson.encode({ queuedAt = queuedAt, startedAt = now, reopened = runContext.reopened, trace = runContext.trace })
      or plainContextJson(queuedAt, now, runContext.reopened)
    return head .. specJson .. ',' .. context .. ',false,[]]'
  end
  if spec.input and spec.input.node then
    ids = { spec.input.node }
  elseif spec.input then
    ids = {}
    collectTemplateNodes(spec.input, ids, {})
  end
  local contextJson
  if runContext.trace then
    local context = { queuedAt = queuedAt, startedAt = now, reopened = runContext.reopened, trace = runContext.trace }
    -- Span links to the attempts that produced this node's inputs (a join's DAG edges).
    local links = {}
    for first = 1, #ids, 1000 do
      local chunk = {}
      for index = first, math.min(first + 999, #ids) do chunk[#chunk + 1] = ids[index] end
      for index, raw in ipairs(redis.call('HMGET', run.nodes, unpack(chunk))) do
        if raw then
          local upstream = readState(raw, chunk[index])
          if upstream.span and #links < MAX_SPAN_LINKS then links[#links + 1] = upstream.span end
        end
      end
      if #links >= MAX_SPAN_LINKS then break end
    end
    -- A node a map added links to the attempt that expanded it (the map node's span).
    local parentId = #links < MAX_SPAN_LINKS and string.match(specJson, '[{,]"parent":"(%d+)"}%]$')
    if parentId then
      local raw = redis.call('HGET', run.nodes, parentId)
      local parentSpan = raw and readState(raw, parentId).span
      if parentSpan then links[#links + 1] = parentSpan end
    end
    if #links > 0 then context.links = links end
    contextJson = cjson.encode(context)
  else
    -- Without a trace the context is three numbers: written directly (cjson is slow on a wide
    -- batch, and a table per start is garbage for Lua to collect).
    local byQueuedAt = contextJsonByQueuedAt[runContext.reopened]
    if not byQueuedAt then
      byQueuedAt = {}
      contextJsonByQueuedAt[runContext.reopened] = byQueuedAt
    end
    contextJson = byQueuedAt[queuedAt]
    if not contextJson then
      contextJson = plainContextJson(queuedAt, now, runContext.reopened)
      byQueuedAt[queuedAt] = contextJson
    end
  end
  -- A first attempt with no lease expiry or resume behind it (most starts) needs no concatenation.
  local head = (attempts == 1 and not node.leaseExpiries and not node.attemptOffset) and FIRST_START_HEAD
    or '[' .. attempts .. ',' .. (node.leaseExpiries or 0) .. ',' .. (node.attemptOffset or 0) .. ','
  if #ids == 0 then return head .. specJson .. ',' .. contextJson .. ',null,[]]' end
  -- One input, stored in this call (a chain step reading the step before it): no lists.
  local only = #ids == 1 and known and known[ids[1]]
  if only then return head .. specJson .. ',' .. contextJson .. ',[' .. only .. '],[]]' end
  -- The results not known are read, by their positions in ids.
  local values, missing, unknown = {}, {}, {}
  for index, id in ipairs(ids) do
    local value = known and known[id]
    if value then values[index] = value else unknown[#unknown + 1] = index end
  end
  -- unpack() is bounded by Lua's C stack: read in chunks.
  for first = 1, #unknown, 1000 do
    local chunk = {}
    for offset = first, math.min(first + 999, #unknown) do chunk[#chunk + 1] = ids[unknown[offset]] end
    local got = redis.call('HMGET', run.results, unpack(chunk))
    for offset = 1, #chunk do
      local index = unknown[first + offset - 1]
      if got[offset] then
        values[index] = got[offset]
      else
        values[index] = 'null'
        -- Node ids are decimal: quoted, they are JSON strings.
        missing[#missing + 1] = '"' .. chunk[offset] .. '"'
      end
    end
  end
  return table.concat({ head, specJson, ',', contextJson, ',[', table.concat(values, ','), '],[', table.concat(missing, ','), ']]' })
end
