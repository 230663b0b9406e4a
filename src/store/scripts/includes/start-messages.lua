-- Start claimed messages of one run (needs the common, run, nodes, node-state, cancel, fail, start
-- and dead-letter includes). batch: parallel lists, one entry per message (no table per message: a wide group's
-- batch has dozens): { nodeIds =, messages =, deliveries = (numbers), queues = } where each of
-- queues is a table { name =, leases = } (the same table for the messages of one queue);
-- options: { runId =, maxLeaseExpiries =, channel =, leaseExpiredErrorJson = ("%s" stands for
-- the node id), deadLetters = { list =, counts = } }.
-- Returns one reply per entry, in order: the started node's JSON string (see startNode) or
-- { 'skipped', reason }. Outcomes by the node's state:
--   queued / delayed               -> running, attempt + 1
--   running (its lease expired)    -> running, attempt + 1 (a redelivery; the old attempt is
--                                     fenced off); fails the node with LEASE_EXPIRED once its
--                                     lease has expired more than maxLeaseExpiries times
--   any state, run not running     -> a node that has not finished is cancelled with everything
--                                     downstream of it; nothing starts (in a failed run, an
--                                     error callback's nodes and NO_ERROR_TASK start as above)
--   succeeded / failed / cancelled -> nothing; a dead letter, reason node-<status> (a duplicate
--                                     delivery: a lease expired while its attempt went on to
--                                     finish; or a message written by hand)
--   pending                        -> nothing; a dead letter, reason node-pending (no message
--                                     of a pending node is ever written)
--   no such run / node             -> nothing; a dead letter, reason run-missing / node-missing
--   a state but no spec           -> nothing; a dead letter, reason run-damaged
--   any state, message of an earlier delivery -> nothing (a claim that raced with cancel-run
--                                     or reopen-run, which withdrew that message): not a dead
--                                     letter, a race the fencing is there for
-- A message that starts nothing has its lease removed. The batch's nodes and specs are read
-- with one HMGET each and the new states written with one HSET.
local function startMessages(run, batch, options, now)
  local ids, messages, deliveries, queues = batch.nodeIds, batch.messages, batch.deliveries, batch.queues
  local nodes = loadStates(run.nodes, ids)
  local specJsons = loadRaw(run.specs, ids)
  local runContext = loadRunContext(run)
  local runStatus = runContext.status
  local writes = NodeWrites.new(run.nodes)
  local startedHere = {}

  -- (Not closures made per message: a wide batch would allocate two per message.)
  local function skip(index, reason)
    redis.call('ZREM', queues[index].leases, messages[index])
    return { 'skipped', reason }
  end
  local function poison(index, reason)
    deadLetter(options.deadLetters, queues[index].name, messages[index], reason, now)
    return skip(index, reason)
  end

  local function startOne(index)
    local nodeId = ids[index]

    if not runStatus then return poison(index, 'run-missing') end
    local node = nodes[nodeId] or (specJsons[nodeId] and initialRootState())
    if not node then return poison(index, 'node-missing') end
    -- Another message of the same node in this batch already started it: this one is of an
    -- earlier delivery.
    if startedHere[nodeId] then return skip(index, 'stale-message') end
    if (node.delivery or 0) ~= deliveries[index] then return skip(index, 'stale-message') end
    local status = node.status
    if status == NODE_SUCCEEDED or status == NODE_FAILED or status == NODE_CANCELLED or status == NODE_SKIPPED then
      return poison(index, 'node-' .. status)
    end
    if status == NODE_PENDING then return poison(index, 'node-pending') end
    -- A node with a state and no spec: the run's specs were lost. Nothing can start it.
    if not specJsons[nodeId] then return poison(index, 'run-damaged') end

    -- An error callback's node runs in a failed run (fail.lua fires it there), and so does an
    -- onError's NO_ERROR_TASK: its element succeeded, and it skips the callback.
    if runStatus ~= RUN_RUNNING and not (runStatus == RUN_FAILED and runsWhenFailed(decodeSpec(specJsons[nodeId]))) then
      -- The rare paths below read and write nodes directly: write what is batched first.
      writes:flush()
      if status == NODE_RUNNING then
        -- Its worker was lost, and a finished run tries nothing again.
        cancelStartedNode(run, nodeId, node, now)
      else
        cancelNodes(run, { nodeId }, now)
      end
      applyRetention(run)
      return skip(index, 'run-' .. runStatus)
    end

    if status == NODE_RUNNING then
      node.leaseExpiries = (node.leaseExpiries or 0) + 1
      if node.leaseExpiries > options.maxLeaseExpiries then
        writes:flush()
        local errorJson = string.gsub(options.leaseExpiredErrorJson, '%%s', nodeId)
        redis.call('HSET', run.errors, nodeId, errorJson)
        failNodeForGood(run, options.runId, nodeId, node, now, options.channel, errorJson)
        -- The run has failed: later messages of this batch start nothing.
        runStatus = redis.call('HGET', run.meta, 'status')
        return skip(index, 'lease-expiries-exhausted')
      end
    end

    startedHere[nodeId] = true
    local specJson = specJsons[nodeId]
    return startNode(run, nodeId, node, specForStart(specJson), specJson, now, runContext, writes)
  end

  local replies = {}
  for index = 1, #ids do replies[index] = startOne(index) end
  writes:flush()
  return replies
end

-- startMessages for a batch of claimed messages, appending each node it started to `started` as
-- a worker reads them: the message, its queue's name, the started node's JSON.
local function startClaimed(run, batch, options, now, started)
  for index, startReply in ipairs(startMessages(run, batch, options, now)) do
    if type(startReply) == 'string' then
      started[#started + 1] = batch.messages[index]
      started[#started + 1] = batch.queues[index].name
      started[#started + 1] = startReply
    end
  end
end
