--[[
  start-node: a worker claimed a node's message; begin a new attempt of the node if it may run,
  and return its spec and inputs. The attempt number it returns is the node's fencing token:
  completions and heartbeats from any other attempt are ignored.

  Outcomes by the node's state:
    queued / delayed               -> running, attempt + 1
    running (its lease expired)    -> running, attempt + 1 (a redelivery; the old attempt is
                                      fenced off); fails the node with LEASE_EXPIRED once its
                                      lease has expired more than ARGV[4] times
    any state, run not running     -> a node that has not finished is cancelled with everything
                                      downstream of it; nothing starts
    succeeded / failed / cancelled -> nothing (a duplicate message)

  KEYS[1]  run       hash: the run's meta
  KEYS[2]  nodes     hash: node id -> state JSON
  KEYS[3]  specs     hash: node id -> spec JSON
  KEYS[4]  results   hash: node id -> result JSON
  KEYS[5]  errors    hash: node id -> last error JSON
  KEYS[6]  leases    sorted set of the queue the message came from

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  message (as claimed)
  ARGV[4]  most lease expiries a node may have before it fails
  ARGV[5]  run's pub/sub channel
  ARGV[6]  error JSON recorded when the node fails for too many lease expiries

  Returns: { 'started', attempt, leaseExpiries, specJson, inputNodeId, inputResult, ... }
       or  { 'skipped', reason }
]]
--- @include "common"
--- @include "cancel"
--- @include "fail"
--- @include "start"

local runKey, nodesKey, specsKey, resultsKey, errorsKey, leasesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local runId, nodeId, message = ARGV[1], ARGV[2], ARGV[3]
local maxLeaseExpiries = tonumber(ARGV[4])
local channel = ARGV[5]

local function skip(reason)
  redis.call('ZREM', leasesKey, message)
  return { 'skipped', reason }
end

local runStatus = redis.call('HGET', runKey, 'status')
if not runStatus then return skip('run-missing') end
local node = loadNode(nodesKey, nodeId)
if not node then return skip('node-missing') end

local status = node.status
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then
  return skip('node-' .. status)
end
if status == 'pending' then return skip('node-pending') end

local now = nowMs()
if runStatus ~= 'running' then
  if status == 'running' then
    -- Its worker was lost, and a finished run tries nothing again.
    cancelStartedNode(runKey, nodesKey, specsKey, nodeId, node, now)
  else
    cancelNodes(runKey, nodesKey, specsKey, { nodeId }, now)
  end
  return skip('run-' .. runStatus)
end

if status == 'running' then
  node.leaseExpiries = (node.leaseExpiries or 0) + 1
  if node.leaseExpiries > maxLeaseExpiries then
    redis.call('HSET', errorsKey, nodeId, ARGV[6])
    failNodeForGood(runKey, nodesKey, specsKey, nodeId, node, now, channel)
    return skip('lease-expiries-exhausted')
  end
end

local spec, specJson = loadSpec(specsKey, nodeId)
return startNode(nodesKey, resultsKey, nodeId, node, spec, specJson, now)
