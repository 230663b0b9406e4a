-- Claiming messages from queues, shared by claim (a worker with free slots) and complete-nodes
-- (the slots its completions freed); needs common and ranges. queueList: the queues a worker
-- consumes, most preferred first, each as queueKeysAt (common.lua) gives them.

-- Upkeep, a bounded amount per queue and call: delayed messages that are due move to ready, and
-- messages whose lease expired (their worker died or stalled) move back to ready, ahead of the
-- rest, to be redelivered.
local function queueUpkeep(queueList, sequenceKey, now, upkeepLimit)
  for _, queue in ipairs(queueList) do
    local due = redis.call('ZRANGEBYSCORE', queue.delayed, '-inf', now, 'LIMIT', 0, upkeepLimit)
    for _, message in ipairs(due) do
      local _, _, _, priority = messageParts(message)
      priority = tonumber(priority) or 0
      redis.call('ZADD', queue.ready, readyScore(priority, redis.call('INCR', sequenceKey)), message)
    end
    if #due > 0 then redis.call('ZREM', queue.delayed, unpack(due)) end
    local expired = redis.call('ZRANGEBYSCORE', queue.leases, '-inf', now, 'LIMIT', 0, upkeepLimit)
    for _, message in ipairs(expired) do
      -- A redelivery has waited a whole lease already: it goes ahead of every priority (a band
      -- of its own below the highest priority's).
      redis.call('ZADD', queue.ready, formatScore(redis.call('INCR', sequenceKey) - PRIORITY_BAND), message)
    end
    if #expired > 0 then redis.call('ZREM', queue.leases, unpack(expired)) end
  end
end

-- Pop up to `wanted` ready messages, in queue preference order, each under a lease until
-- now + leaseMs; a range member (ranges.lua) gives the messages of its first ids. Returns three
-- lists by message (no table per message): the messages, the index in queueList of the queue
-- each came from, and the node id of each message taken from a range (nil for the others: a
-- range's messages are first deliveries of its run's nodes). Work left behind in a queue makes
-- sure another worker wakes up for it.
local function claimMessages(queueList, wanted, now, leaseMs)
  local messages, queueIndexes, rangeNodeIds = {}, {}, {}
  for index, queue in ipairs(queueList) do
    -- Whoever claims has looked: the token is put back below only if work is left.
    redis.call('DEL', queue.signal)
    if #messages < wanted then
      local popped = redis.call('ZPOPMIN', queue.ready, wanted - #messages)
      local deadline = formatScore(now + leaseMs)
      local firstHere = #messages + 1
      -- Members popped past the last one needed (a range gave several messages) go back.
      local putBack = {}
      for position = 1, #popped, 2 do
        local member, score = popped[position], popped[position + 1]
        if #messages >= wanted then
          putBack[#putBack + 1] = score
          putBack[#putBack + 1] = member
        elseif not takeFromRange(queue, member, score, wanted - #messages, messages, rangeNodeIds) then
          messages[#messages + 1] = member
        end
      end
      if #putBack > 0 then redis.call('ZADD', queue.ready, unpack(putBack)) end
      local leases = {}
      for position = firstHere, #messages do
        leases[#leases + 1] = deadline
        leases[#leases + 1] = messages[position]
        queueIndexes[position] = index
      end
      callInChunks('ZADD', queue.leases, leases)
    end
    if redis.call('ZCARD', queue.ready) > 0 then ensureSignal(queue.signal) end
  end
  return messages, queueIndexes, rangeNodeIds
end

-- What claimMessages gave, by run: the messages of the runs this call has the keys of (`known`,
-- a table by run id) as startMessages batches, one per run in first-seen order (parallel lists
-- { nodeIds, messages, deliveries, queues }); the others as (queue index, message) pairs, to
-- return leased. A message a range gave is a first delivery of its run's node.
local function claimedByRun(messages, queueIndexes, rangeNodeIds, queueList, known)
  local batches, order, others = {}, {}, {}
  for index, message in ipairs(messages) do
    local messageRun
    local nodeId, delivery = rangeNodeIds[index], 1
    if nodeId then
      messageRun = string.match(message, '^([^|]*)|')
    else
      messageRun, nodeId, delivery = messageParts(message)
    end
    if messageRun and known[messageRun] then
      local batch = batches[messageRun]
      if not batch then
        batch = { nodeIds = {}, messages = {}, deliveries = {}, queues = {} }
        batches[messageRun] = batch
        order[#order + 1] = messageRun
      end
      local at = #batch.nodeIds + 1
      batch.nodeIds[at] = nodeId
      batch.messages[at] = message
      batch.deliveries[at] = tonumber(delivery)
      batch.queues[at] = queueList[queueIndexes[index]]
    else
      others[#others + 1] = queueIndexes[index]
      others[#others + 1] = message
    end
  end
  return batches, order, others
end

-- ms until the earliest delayed message is due or lease expires in these queues, -1 if none: how
-- long a worker with nothing to do may sleep.
local function wakeInMs(queueList, now)
  local earliest = nil
  for _, queue in ipairs(queueList) do
    for _, key in ipairs({ queue.delayed, queue.leases }) do
      local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      if first[2] then
        local at = tonumber(first[2])
        if not earliest or at < earliest then earliest = at end
      end
    end
  end
  if not earliest then return -1 end
  return math.max(0, earliest - now)
end
