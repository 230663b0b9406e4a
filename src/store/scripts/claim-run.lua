--[[
  claim-run: claim, as claim.lua does, for a worker woken by a signal that named a run (the
  token of ensureSignal in includes/common.lua), and start the claimed messages of that run in
  the same call, as start-nodes would: a worker woken for a one-task run starts it in one call
  instead of a claim and a start-nodes. Messages of other runs come back leased, for the worker
  to start with start-nodes. The run named may have nothing left in the queues (another worker
  took it): then this is a plain claim.

  KEYS[1..14]  the named run's keys (runScriptKeys in keys.ts)
  KEYS[15]     sequence
  KEYS[16]     dead letters (list): messages of the run that cannot start
  KEYS[17]     dead letter counts by reason (hash)
  KEYS[18..]   for each queue the worker consumes, in its order of preference, five keys: ready,
               delayed, leases, signal, ranged

  ARGV[1]  run id
  ARGV[2]  run's pub/sub channel
  ARGV[3]  most messages to claim
  ARGV[4]  lease length in ms
  ARGV[5]  most due or expired messages to move per queue in this call
  ARGV[6]  most lease expiries a node may have before it fails
  ARGV[7]  error JSON recorded when a node fails for too many lease expiries ("%s": node id)
  ARGV[8]  the worker's registry id, named in the node.started events ("": none)
  ARGV[9..] the queue names, in KEYS order

  Returns: { wakeInMs, claimed, started }
    wakeInMs  ms until the earliest delayed message is due or lease expires, -1 if none
    claimed   messages of other runs now leased to the worker: { queueIndex, message, ... }
              (queueIndex: 1-based, in KEYS order)
    started   the named run's nodes started here, three values each: message, queue name, and
              the started node's JSON (includes/start.lua)
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "events"
--- @include "run"
--- @include "nodes"
--- @include "node-state"
--- @include "cancel"
--- @include "fail"
--- @include "start"
--- @include "dead-letter"
--- @include "start-messages"
--- @include "ranges"
--- @include "claim"

local run = runKeysFrom(KEYS)
local runId = ARGV[1]
eventsFor(run, runId)
eventsWorker(ARGV[8])
statesOfRun(runId)
local sequenceKey = KEYS[RUN_KEY_COUNT + 1]
local now = nowMs()

local queueList = {}
for index = 9, #ARGV do
  local queue = queueKeysAt(KEYS, RUN_KEY_COUNT + 4 + (index - 9) * QUEUE_KEY_COUNT)
  queue.name = ARGV[index]
  queueList[#queueList + 1] = queue
end

queueUpkeep(queueList, sequenceKey, now, tonumber(ARGV[5]))
local messages, queueIndexes, rangeNodeIds = claimMessages(queueList, tonumber(ARGV[3]), now, tonumber(ARGV[4]))
local started = {}
local batches, _, claimed = claimedByRun(messages, queueIndexes, rangeNodeIds, queueList, { [runId] = true })
if batches[runId] then
  local options = {
    runId = runId, maxLeaseExpiries = tonumber(ARGV[6]), channel = ARGV[2], leaseExpiredErrorJson = ARGV[7],
    deadLetters = { list = KEYS[RUN_KEY_COUNT + 2], counts = KEYS[RUN_KEY_COUNT + 3] },
  }
  startClaimed(run, batches[runId], options, now, started)
end
flushEvents()
return { wakeInMs(queueList, now), claimed, started }
