-- Cancel every node reachable from startIds (inclusive) that has not started yet: pending,
-- queued or delayed. A node changes state at most once, so all the cascades of a run together
-- cost O(nodes + edges). Messages of cancelled queued nodes that are still in a queue are
-- dropped by start-node when a worker claims them. Returns how many nodes were cancelled.
-- An onError's NO_ERROR_TASK that will not run (its element was cut short): its error node, when
-- it has not fired, is cancelled with it, and the callback after it (an element that fails fires
-- its error node before what follows the failure is cancelled: fail.lua). Else nil.
local function unfiredErrorNode(spec)
  if not spec or spec.task ~= NO_ERROR_TASK or not spec.branches then return nil end
  return tostring(spec.branches[3])
end

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
      local errorId = unfiredErrorNode(spec)
      if errorId then stack[#stack + 1] = errorId end
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
  local errorId = unfiredErrorNode(spec)
  if errorId then cancelNodes(run, { errorId }, now) end
end
