-- A node failed for good: record it, cancel everything downstream of it, and fail the run if it
-- was still running (the first failure names the run's failed node). errorJson: the error the
-- caller recorded, for the node.failed event.
local function failNodeForGood(run, runId, nodeId, node, now, channel, errorJson)
  node.status = NODE_FAILED
  node.finishedAt = now
  saveNode(run.nodes, nodeId, node)
  countUnfinished(run, -1)
  local spec = loadSpec(run.specs, nodeId)
  emitEvent('node.failed', nodeId, node.attempts, spec and spec.task, errorJson)
  if spec and spec.next then
    cancelNodes(run, spec.next, now)
  end
  if redis.call('HGET', run.meta, 'status') == RUN_RUNNING then
    redis.call('HSET', run.meta, 'failedNode', nodeId)
    setRunStatus(run, runId, RUN_FAILED, now, channel, '{"failedNode":"' .. nodeId .. '"}')
  else
    applyRetention(run)
  end
end
