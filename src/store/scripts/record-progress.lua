--[[
  record-progress: a running attempt reports how far it is (taskContext().progress()). The value
  is kept in the node's state (field `progress`, the JSON text as given, so that inspect() reads
  back exactly what was sent) and announced as a node.progress event. Fenced by attempt: a report
  from any attempt but the node's current, running one changes nothing. A new attempt starts
  without progress (startNode), and so does a node reset by reopen-run.

  KEYS[1..14]  the run's keys (runScriptKeys in keys.ts)

  ARGV[1]  run id
  ARGV[2]  node id
  ARGV[3]  attempt reporting
  ARGV[4]  progress JSON

  Returns: 1 recorded, 0 fenced off (not the current attempt, or the node is not running)
]]
--- @include "common"
--- @include "template"
--- @include "spec"
--- @include "nodes"
--- @include "node-state"
--- @include "events"
--- @include "run"

local run = runKeysFrom(KEYS)
eventsFor(run, ARGV[1])
statesOfRun(ARGV[1])
local nodeId, attempt, progressJson = ARGV[2], tonumber(ARGV[3]), ARGV[4]

local node = loadNode(run.nodes, nodeId)
if not node or node.status ~= NODE_RUNNING or node.attempts ~= attempt then return 0 end
node.progress = progressJson
saveNode(run.nodes, nodeId, node)
emitEvent('node.progress', nodeId, attempt, specTask(redis.call('HGET', run.specs, nodeId)), progressJson)
flushEvents()
return 1
