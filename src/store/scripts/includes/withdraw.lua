-- Withdrawing the messages of a run's nodes that wait for a worker, shared by delete-nodes (a
-- range per call) and delete-run (what delete-nodes left). Needs common, nodes, node-state and queues.

-- The messages of the nodes `ids` that are queued, delayed or running, taken out of their queues
-- wherever they are; returns how many. A finished or pending node has no message: its state is
-- recognised by its status and not decoded (most of a finished run's nodes).
local function withdrawWaitingMessages(nodesKey, specsKey, runId, ids, queues)
  local raw = loadRaw(nodesKey, ids)
  local withdrawn = 0
  for _, nodeId in ipairs(ids) do
    local text = raw[nodeId]
    local status = text and stateStatus(text, nodeId) or NODE_QUEUED
    if status == NODE_QUEUED or status == NODE_DELAYED or status == NODE_RUNNING then
      local node = text and readState(text, nodeId) or initialRootState()
      local spec = loadSpec(specsKey, nodeId)
      if spec then
        withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
        withdrawn = withdrawn + 1
      end
    end
  end
  return withdrawn
end
