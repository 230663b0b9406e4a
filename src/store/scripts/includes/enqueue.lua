-- A node is made ready: its next delivery, queued now. Returns that delivery's message.
local function newDelivery(runId, nodeId, node, spec, now)
  node.delivery = (node.delivery or 0) + 1
  node.queuedAt = now
  return messageFor(runId, nodeId, node.delivery, spec.priority)
end

-- Hand a node whose dependencies have all succeeded to the workers: into its queue's ready set,
-- or its delayed set when it has a countdown or an eta still ahead. queue = { ready =, delayed =,
-- signal = } keys.
local function enqueueNode(queue, sequenceKey, runId, nodeId, node, spec, now)
  local message = newDelivery(runId, nodeId, node, spec, now)
  local due = delayedUntil(spec.countdownMs, spec.etaMs, now)
  if due then
    node.status = 'delayed'
    redis.call('ZADD', queue.delayed, formatScore(due), message)
  else
    node.status = 'queued'
    local sequence = redis.call('INCR', sequenceKey)
    redis.call('ZADD', queue.ready, readyScore(spec.priority or 0, sequence), message)
  end
  -- Also for delayed nodes: a blocked worker wakes up and shortens its wait to the due time.
  ensureSignal(queue.signal)
end
