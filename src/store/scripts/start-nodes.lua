--[[
  start-nodes: a worker claimed messages of one run from one queue; begin a new attempt of each
  node that may run, and return its spec and inputs. One call starts a whole claim's worth of
  one run's nodes (a wide group's members arrive together), so the run's keys and meta are read
  once. The attempt number returned is the node's fencing token: completions and heartbeats
  from any other attempt are ignored.

  Outcomes by the node's state: see includes/start-messages.lua. A message that starts nothing
  has its lease removed.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)
  KEYS[15]     leases of the queue the messages came from
  KEYS[16]     dead letters (list)
  KEYS[17]     dead letter counts by reason (hash)

  ARGV[1]  run id
  ARGV[2]  most lease expiries a node may have before it fails
  ARGV[3]  run's pub/sub channel
  ARGV[4]  error JSON recorded when a node fails for too many lease expiries ("%s" stands for
           the node id)
  ARGV[5]  name of the queue the messages came from (for dead letters)
  ARGV[6]  the starting worker's registry id, named in the node.started events ("": none)
  ARGV[7..] for each message, three values: node id, message (as claimed), delivery number

  Returns: one reply per message, in ARGV order, each one of
           the started node's JSON string: [attempt, leaseExpiries, attemptOffset, spec,
             context, inputs, missing] (see includes/start.lua)
           { 'skipped', reason }
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"
--- @include "cancel"
--- @include "fail"
--- @include "start"
--- @include "dead-letter"
--- @include "start-messages"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
statesOfRun(ARGV[1])
eventsWorker(ARGV[6])
local queue = { name = ARGV[5], leases = KEYS[RUN_KEY_COUNT + 1] }
local batch = { nodeIds = {}, messages = {}, deliveries = {}, queues = {} }
for position = 7, #ARGV, 3 do
  local index = #batch.nodeIds + 1
  batch.nodeIds[index] = ARGV[position]
  batch.messages[index] = ARGV[position + 1]
  batch.deliveries[index] = tonumber(ARGV[position + 2])
  batch.queues[index] = queue
end
local options = {
  runId = ARGV[1], maxLeaseExpiries = tonumber(ARGV[2]), channel = ARGV[3], leaseExpiredErrorJson = ARGV[4],
  deadLetters = { list = KEYS[RUN_KEY_COUNT + 2], counts = KEYS[RUN_KEY_COUNT + 3] },
}
local replies = startMessages(run, batch, options, nowMs())
flushEvents()
return replies
