--[[
  extend-lease: a worker still running an attempt pushes its lease deadline forward (heartbeat).
  Fenced by attempt, and only while the lease still exists: once a lease has expired and the
  message went back to ready, the attempt has lost the node and must not revive it. Also tells
  the worker when the run was cancelled, so that it aborts the handler.

  KEYS[1]  run meta   hash: the run's meta
  KEYS[2]  nodes      hash: node id -> state JSON
  KEYS[3]  leases     of the node's queue

  ARGV[1]  node id
  ARGV[2]  attempt
  ARGV[3]  message of the node (its lease member)
  ARGV[4]  lease length in ms

  Returns: 1 extended; 0 the attempt no longer holds the node; 2 the run was cancelled
]]
--- @include "common"
--- @include "nodes"

local metaKey, nodesKey, leasesKey = KEYS[1], KEYS[2], KEYS[3]
if redis.call('HGET', metaKey, 'status') == 'cancelled' then
  return 2
end
local node = loadNode(nodesKey, ARGV[1])
if not node or node.status ~= 'running' or node.attempts ~= tonumber(ARGV[2]) then
  return 0
end
if not redis.call('ZSCORE', leasesKey, ARGV[3]) then
  return 0
end
redis.call('ZADD', leasesKey, 'XX', formatScore(nowMs() + tonumber(ARGV[4])), ARGV[3])
return 1
