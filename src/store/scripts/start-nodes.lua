--[[
  start-nodes: a worker claimed messages of one run from one queue; begin a new attempt of each
  node that may run, and return its spec and inputs. One call starts a whole claim's worth of
  one run's nodes (a wide group's members arrive together), so the run's keys and meta are read
  once. The attempt number returned is the node's fencing token: completions and heartbeats
  from any other attempt are ignored.

  Outcomes by the node's state, for each message in turn:
    queued / delayed               -> running, attempt + 1
    running (its lease expired)    -> running, attempt + 1 (a redelivery; the old attempt is
                                      fenced off); fails the node with LEASE_EXPIRED once its
                                      lease has expired more than ARGV[2] times
    any state, run not running     -> a node that has not finished is cancelled with everything
                                      downstream of it; nothing starts
    succeeded / failed / cancelled -> nothing (a duplicate message)
    any state, message of an earlier delivery -> nothing (a claim that raced with cancel-run
                                      or reopen-run, which withdrew that message)
  A message that starts nothing has its lease removed.

  KEYS[1..12]  the run's keys (RunKeys in keys.ts)
  KEYS[13]     leases of the queue the messages came from

  ARGV[1]  run id
  ARGV[2]  most lease expiries a node may have before it fails
  ARGV[3]  run's pub/sub channel
  ARGV[4]  error JSON recorded when a node fails for too many lease expiries ("%s" stands for
           the node id)
  ARGV[5..] for each message, three values: node id, message (as claimed), delivery number

  Returns: one reply per message, in ARGV order, each one of
           { 'started', attempt, leaseExpiries, attemptOffset, specJson, contextJson,
             inputNodeId, inputResult, ... }
           { 'skipped', reason }
]]
--- @include "common"
--- @include "run"
--- @include "cancel"
--- @include "fail"
--- @include "start"

local run = runKeysFrom(KEYS)
local leasesKey = KEYS[RUN_KEY_COUNT + 1]
local runId = ARGV[1]
local maxLeaseExpiries = tonumber(ARGV[2])
local channel = ARGV[3]
local leaseExpiredErrorJson = ARGV[4]
local now = nowMs()
local runContext = nil
local writes = NodeWrites.new(run.nodes)

-- Every node and spec of the batch in two reads.
local ids = {}
for position = 5, #ARGV, 3 do ids[#ids + 1] = ARGV[position] end
local nodes = loadMany(run.nodes, ids)
local specs, specJsons = loadMany(run.specs, ids)
local runStatus = redis.call('HGET', run.meta, 'status')
local startedHere = {}

local function startOne(nodeId, message, delivery)
  local function skip(reason)
    redis.call('ZREM', leasesKey, message)
    return { 'skipped', reason }
  end

  if not runStatus then return skip('run-missing') end
  local node = nodes[nodeId]
  if not node then return skip('node-missing') end
  -- Another message of the same node in this batch already started it: this one is of an
  -- earlier delivery (the delivery check below would say so with the state read before).
  if startedHere[nodeId] then return skip('stale-message') end

  if (node.delivery or 0) ~= delivery then return skip('stale-message') end
  local status = node.status
  if status == 'succeeded' or status == 'failed' or status == 'cancelled' then
    return skip('node-' .. status)
  end
  if status == 'pending' then return skip('node-pending') end

  if runStatus ~= 'running' then
    -- The rare paths below read and write nodes directly: write what is batched first.
    writes:flush()
    if status == 'running' then
      -- Its worker was lost, and a finished run tries nothing again.
      cancelStartedNode(run, nodeId, node, now)
    else
      cancelNodes(run, { nodeId }, now)
    end
    applyRetention(run)
    return skip('run-' .. runStatus)
  end

  if status == 'running' then
    node.leaseExpiries = (node.leaseExpiries or 0) + 1
    if node.leaseExpiries > maxLeaseExpiries then
      writes:flush()
      redis.call('HSET', run.errors, nodeId, (string.gsub(leaseExpiredErrorJson, '%%s', nodeId)))
      failNodeForGood(run, runId, nodeId, node, now, channel)
      -- The run has failed: later messages of this batch start nothing.
      runStatus = redis.call('HGET', run.meta, 'status')
      return skip('lease-expiries-exhausted')
    end
  end

  runContext = runContext or loadRunContext(run)
  startedHere[nodeId] = true
  return startNode(run, nodeId, node, specs[nodeId], specJsons[nodeId], now, runContext, writes)
end

local replies = {}
for position = 5, #ARGV, 3 do
  replies[#replies + 1] = startOne(ARGV[position], ARGV[position + 1], tonumber(ARGV[position + 2]))
end
writes:flush()
return replies
