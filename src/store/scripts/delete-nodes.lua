--[[
  delete-nodes: one bounded step before delete-run: withdraw the queued, delayed and leased
  messages of the run's nodes, node ids from the meta's deleteCursor (0 at first), at most
  ARGV[2] of them, so that delete-run has none left to look for and costs O(1) in the run's
  size. Nothing else changes: the run reads as it did until delete-run deletes it. A process
  that dies between calls leaves a finished run with a cursor, which the next delete carries on
  (a resume or rerun in between removes the cursor: reopen-run).

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15..]   for each queue the run uses (its meta's `queues`), five keys:
               ready, delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  most node ids to handle in this call
  ARGV[3..] the queue names, in KEYS order

  Returns: { 'more', messages withdrawn }  call again
       or  { 'done', messages withdrawn }  every node was looked at: call delete-run
       or  the error reply RUN_MISSING, RUN_ACTIVE, or QUEUE_KEYS_MISSING <queue>
]]
--- @include "common"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "queues"
--- @include "ranges"
--- @include "withdraw"

local runMeta = KEYS[1]
local nodesKey, specsKey = KEYS[2], KEYS[3]
local runId, limit = ARGV[1], tonumber(ARGV[2])
statesOfRun(runId)

local meta = redis.call('HMGET', runMeta, 'status', 'queues', 'nodeCount', 'deleteCursor')
local status = meta[1]
if not status then return redis.error_reply('RUN_MISSING') end
if status == RUN_RUNNING then return redis.error_reply('RUN_ACTIVE') end
local queues, missing = runQueuesFrom(KEYS, 15, ARGV, 3, meta[2])
if not queues then return redis.error_reply('QUEUE_KEYS_MISSING ' .. missing) end
local nodeCount, first = tonumber(meta[3]) or 0, tonumber(meta[4] or '0')
local last = math.min(first + limit, nodeCount) - 1

local ids = {}
for index = first, last do ids[#ids + 1] = tostring(index) end
local withdrawn = withdrawWaitingMessages(nodesKey, specsKey, runId, ids, queues)
trimRunRanges(runMeta, runId, queues, last)
redis.call('HSET', runMeta, 'deleteCursor', last + 1)
return { last + 1 >= nodeCount and 'done' or 'more', withdrawn }
