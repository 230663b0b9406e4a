-- A node failed for good: record it, cancel everything downstream of it, and fail the run if it
-- was still running (the first failure names the run's failed node).
local function failNodeForGood(runKey, nodesKey, specsKey, nodeId, node, now, channel)
  node.status = 'failed'
  node.finishedAt = now
  saveNode(nodesKey, nodeId, node)
  redis.call('HINCRBY', runKey, 'unfinished', -1)
  local spec = loadSpec(specsKey, nodeId)
  if spec and spec.next then
    cancelNodes(runKey, nodesKey, specsKey, spec.next, now)
  end
  if redis.call('HGET', runKey, 'status') == 'running' then
    redis.call('HSET', runKey, 'status', 'failed', 'finishedAt', now, 'failedNode', nodeId)
    redis.call('PUBLISH', channel, 'failed')
  end
end
