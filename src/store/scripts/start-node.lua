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
    any state, message of an earlier delivery -> nothing (a claim that raced with cancel-run
                                      or reopen-run, which withdrew that message)

  KEYS[1..12]  the run's keys (RunKeys in keys.ts)
  KEYS[13]     leases of the queue the message came from

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  message (as claimed)
  ARGV[4]  most lease expiries a node may have before it fails
  ARGV[5]  run's pub/sub channel
  ARGV[6]  error JSON recorded when the node fails for too many lease expiries
  ARGV[7]  the message's delivery number

  Returns: { 'started', attempt, leaseExpiries, attemptOffset, specJson, inputNodeId, inputResult, ... }
       or  { 'skipped', reason }
]]
--- @include "common"
--- @include "run"
--- @include "cancel"
--- @include "fail"
--- @include "start"

local run = runKeysFrom(KEYS)
local leasesKey = KEYS[RUN_KEY_COUNT + 1]
local runId, nodeId, message = ARGV[1], ARGV[2], ARGV[3]
local maxLeaseExpiries = tonumber(ARGV[4])
local channel = ARGV[5]

local function skip(reason)
  redis.call('ZREM', leasesKey, message)
  return { 'skipped', reason }
end

local runStatus = redis.call('HGET', run.meta, 'status')
if not runStatus then return skip('run-missing') end
local node = loadNode(run.nodes, nodeId)
if not node then return skip('node-missing') end

if (node.delivery or 0) ~= tonumber(ARGV[7]) then return skip('stale-message') end
local status = node.status
if status == 'succeeded' or status == 'failed' or status == 'cancelled' then
  return skip('node-' .. status)
end
if status == 'pending' then return skip('node-pending') end

local now = nowMs()
if runStatus ~= 'running' then
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
    redis.call('HSET', run.errors, nodeId, ARGV[6])
    failNodeForGood(run, runId, nodeId, node, now, channel)
    return skip('lease-expiries-exhausted')
  end
end

local spec, specJson = loadSpec(run.specs, nodeId)
return startNode(run, nodeId, node, spec, specJson, now)
