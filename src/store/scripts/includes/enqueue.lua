-- A node is made ready: its next delivery, queued now. Returns that delivery's message.
local function newDelivery(runId, nodeId, node, spec, now)
  node.delivery = (node.delivery or 0) + 1
  node.queuedAt = now
  return messageFor(runId, nodeId, node.delivery, spec.priority)
end

-- Hand a node whose dependencies have all succeeded to the workers: into its queue's ready set,
-- or its delayed set when it has a countdown or an eta still ahead. queue = { ready =, delayed =,
-- signal = } keys. Emits node.queued (needs the "events" include), its detail the due time in
-- ms when delayed: the one place a pending node becomes queued, so a reader of the stream sees
-- it leave pending without a worker having started it. No attempt on the line: the node has
-- none yet, and a wide group's lines stay short.
local function enqueueNode(queue, sequenceKey, runId, nodeId, node, spec, now)
  local message = newDelivery(runId, nodeId, node, spec, now)
  local due = delayedUntil(spec.countdownMs, spec.etaMs, now)
  if due then
    node.status = NODE_DELAYED
    local dueText = formatScore(due)
    redis.call('ZADD', queue.delayed, dueText, message)
    emitEvent('node.queued', nodeId, nil, spec.task, dueText)
  else
    node.status = NODE_QUEUED
    local sequence = redis.call('INCR', sequenceKey)
    redis.call('ZADD', queue.ready, readyScore(spec.priority or 0, sequence), message)
    emitEvent('node.queued', nodeId, nil, spec.task)
  end
  -- Also for delayed nodes: a blocked worker wakes up and shortens its wait to the due time.
  ensureSignal(queue.signal, runId)
end
