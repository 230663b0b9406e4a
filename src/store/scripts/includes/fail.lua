-- The error nodes guarding a node that failed for good (spec.guards: the onError elements it is
-- in): each still pending fires, succeeding with the failure as its value; its callback is
-- released by fire-errbacks.lua, which has the keys of the callback's queues (a caller here may
-- not): the error node's id goes in the meta's errbacksDue and the run in the shard's errbacks
-- set, which fire-errbacks (or, after a process died, the repair sweep) empties. An error node
-- that fired before (another node of its element failed first) fires nothing: once per element.
local function fireGuards(run, runId, nodeId, spec, now, errorJson)
  if not spec or not spec.guards then return end
  local due = {}
  for _, errorId in ipairs(spec.guards) do
    local errorNode = loadNode(run.nodes, errorId)
    if errorNode and errorNode.status == NODE_PENDING then
      redis.call('HSET', run.results, errorId,
        '{"runId":' .. cjson.encode(runId) .. ',"nodeId":' .. cjson.encode(nodeId) .. ',"task":' .. cjson.encode(spec.task) ..
        ',"error":' .. errorJson .. '}')
      errorNode.status, errorNode.waiting, errorNode.finishedAt = NODE_SUCCEEDED, nil, now
      saveNode(run.nodes, errorId, errorNode)
      emitEvent('node.succeeded', errorId, nil, specTask(redis.call('HGET', run.specs, errorId)))
      due[#due + 1] = errorId
    end
  end
  if #due == 0 then return end
  countUnfinished(run, -#due)
  local earlier = redis.call('HGET', run.meta, 'errbacksDue')
  redis.call('HSET', run.meta, 'errbacksDue', (earlier and (earlier .. ',') or '') .. table.concat(due, ','))
  redis.call('ZADD', run.errbacks, formatScore(now), runId)
end

-- A node failed for good: record it, cancel everything downstream of it, fire the error
-- callbacks guarding it, and fail the run if it was still running (the first failure names the run's failed node). errorJson: the error the
-- caller recorded, for the node.failed event.
local function failNodeForGood(run, runId, nodeId, node, now, channel, errorJson)
  node.status = NODE_FAILED
  node.finishedAt = now
  saveNode(run.nodes, nodeId, node)
  countUnfinished(run, -1)
  local spec = loadSpec(run.specs, nodeId)
  emitEvent('node.failed', nodeId, node.attempts, spec and spec.task, errorJson)
  -- Fired first: the cancels below reach the element's NO_ERROR_TASK, which cancels an error
  -- node that has not fired.
  fireGuards(run, runId, nodeId, spec, now, errorJson)
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
