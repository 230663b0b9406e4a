-- Begin a new attempt of a node and build the reply a worker needs to run it:
-- { 'started', attempt, leaseExpiries, attemptOffset, specJson, inputNodeId, inputResult, ... }
-- attemptOffset: attempts made before the run was last resumed (each resume gives a node a
-- fresh retry budget, while `attempts` keeps counting across resumes).
-- where the pairs are the upstream results the node's input template reads.
local function collectTemplateNodes(template, ids, seen)
  if template.node then
    if not seen[template.node] then
      seen[template.node] = true
      ids[#ids + 1] = template.node
    end
  elseif template.list then
    for _, item in ipairs(template.list) do collectTemplateNodes(item, ids, seen) end
  end
end

local function startNode(run, nodeId, node, spec, specJson, now)
  node.status = 'running'
  node.attempts = (node.attempts or 0) + 1
  node.startedAt = now
  saveNode(run.nodes, nodeId, node)
  local reply = { 'started', node.attempts, node.leaseExpiries or 0, node.attemptOffset or 0, specJson }
  if spec.input then
    local ids = {}
    collectTemplateNodes(spec.input, ids, {})
    -- unpack() is bounded by Lua's C stack: read in chunks.
    for first = 1, #ids, 1000 do
      local chunk = {}
      for index = first, math.min(first + 999, #ids) do chunk[#chunk + 1] = ids[index] end
      local values = redis.call('HMGET', run.results, unpack(chunk))
      for index = 1, #chunk do
        reply[#reply + 1] = chunk[index]
        reply[#reply + 1] = values[index]
      end
    end
  end
  return reply
end
