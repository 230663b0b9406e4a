-- Cancel every node reachable from startIds (inclusive) that has not started yet: pending,
-- queued or delayed. A node changes state at most once, so all the cascades of a run together
-- cost O(nodes + edges). Messages of cancelled queued nodes that are still in a queue are
-- dropped by start-node when a worker claims them. Returns how many nodes were cancelled.
local function cancelNodes(run, startIds, now)
  local stack = {}
  for index = 1, #startIds do stack[index] = startIds[index] end
  local cancelled = 0
  while #stack > 0 do
    local nodeId = table.remove(stack)
    local node = loadNodeOrRoot(run.nodes, run.specs, nodeId)
    if node and (node.status == NODE_PENDING or node.status == NODE_QUEUED or node.status == NODE_DELAYED) then
      node.status = NODE_CANCELLED
      node.finishedAt = now
      saveNode(run.nodes, nodeId, node)
      emitEvent('node.cancelled', nodeId)
      cancelled = cancelled + 1
      local spec = loadSpec(run.specs, nodeId)
      if spec and spec.next then
        for _, dependant in ipairs(spec.next) do stack[#stack + 1] = dependant end
      end
    end
  end
  if cancelled > 0 then countUnfinished(run, -cancelled) end
  return cancelled
end

-- A node that had started (running, or failed and about to retry) will not be tried again
-- because its run ended: cancel it and everything downstream of it.
local function cancelStartedNode(run, nodeId, node, now)
  node.status = NODE_CANCELLED
  node.finishedAt = now
  saveNode(run.nodes, nodeId, node)
  emitEvent('node.cancelled', nodeId, node.attempts)
  countUnfinished(run, -1)
  local spec = loadSpec(run.specs, nodeId)
  if spec and spec.next then cancelNodes(run, spec.next, now) end
end
