-- Withdrawing the messages of a run's nodes that wait for a worker, shared by delete-nodes (a
-- range per call) and delete-run (what delete-nodes left). Needs common, nodes and queues.

-- The messages of the nodes `ids` that are queued, delayed or running, taken out of their queues
-- wherever they are; returns how many. A finished or pending node has no message: its state is
-- recognised by text and not decoded (most of a finished run's nodes).
local function withdrawWaitingMessages(nodesKey, specsKey, runId, ids, queues)
  local raw = loadRaw(nodesKey, ids)
  local withdrawn = 0
  for _, nodeId in ipairs(ids) do
    local text = raw[nodeId]
    local finished = text and (string.find(text, '"status":"succeeded"', 1, true) or string.find(text, '"status":"failed"', 1, true)
      or string.find(text, '"status":"cancelled"', 1, true) or string.find(text, '"status":"pending"', 1, true))
    if not finished then
      local node = text and cjson.decode(text) or initialRootState()
      if node.status == 'queued' or node.status == 'delayed' or node.status == 'running' then
        local spec = loadSpec(specsKey, nodeId)
        if spec then
          withdrawMessage(queues[spec.queue], messageFor(runId, nodeId, node.delivery, spec.priority))
          withdrawn = withdrawn + 1
        end
      end
    end
  end
  return withdrawn
end
