-- A run's keys, as every run-level script receives them in KEYS[1..14] (runScriptKeys in keys.ts):
-- the run's own keys, the run indexes, the event stream (events.lua), and the shard's errbacks
-- (the runs with an error callback fired and not yet released: fail.lua).
local RUN_KEY_COUNT = 14

-- base: where in keys the run's keys start (1 when absent).
local function runKeysFrom(keys, base)
  local at = (base or 1) - 1
  return {
    meta = keys[at + 1], nodes = keys[at + 2], specs = keys[at + 3], results = keys[at + 4], errors = keys[at + 5],
    all = keys[at + 6],
    byStatus = { [RUN_RUNNING] = keys[at + 7], [RUN_SUCCEEDED] = keys[at + 8], [RUN_FAILED] = keys[at + 9], [RUN_CANCELLED] = keys[at + 10] },
    expiry = keys[at + 11], expired = keys[at + 12], events = keys[at + 13], errbacks = keys[at + 14],
  }
end

-- A run's specs are all written at submit and never removed while the run exists: fewer than
-- nodeCount means keys were lost. Returns what is missing (for runDamaged), or nil. One HLEN.
local function missingSpecs(run, nodeCount)
  local stored = redis.call('HLEN', run.specs)
  if stored >= nodeCount then return nil end
  return (nodeCount - stored) .. ' of its ' .. nodeCount .. ' node specs are missing'
end

-- The one place the run's count of unfinished nodes changes (meta field `unfinished`, set at
-- submit): by -n when n nodes finish, +1 while a reopen sweep holds the run open (reopen-run).
-- Returns the new count. What follows 0 differs by caller (a node that finished by failing does
-- not make its run succeed), so the callers that can reach it decide.
local function countUnfinished(run, delta)
  return redis.call('HINCRBY', run.meta, 'unfinished', delta)
end

-- A sweep's two running totals, kept in the meta as "a:b" (cancelTally, reopenTally) so that
-- whoever takes the sweep's last step, the process that began it can report the whole sweep.
local function sweepTally(text)
  if not text then return { 0, 0 } end
  local colon = string.find(text, ':', 1, true)
  return { tonumber(string.sub(text, 1, colon - 1)), tonumber(string.sub(text, colon + 1)) }
end

local function runDataKeys(run)
  return { run.meta, run.nodes, run.specs, run.results, run.errors }
end

-- Every key of a finished run expires with it. Called again after any write to a finished run:
-- a key created after the finish (the first result of a branch that ended late, say) would
-- otherwise outlive the run. expiresAt: the meta's, when the caller has it (else it is read).
local function applyRetention(run, expiresAt)
  expiresAt = expiresAt or redis.call('HGET', run.meta, 'expiresAt')
  if expiresAt then
    for _, key in ipairs(runDataKeys(run)) do redis.call('PEXPIREAT', key, expiresAt) end
  end
end

-- The most a finish message carries of a run's output; past either, the message is the status alone.
local FINISH_VALUES_MAX_NODES = 1000
local FINISH_VALUES_MAX_BYTES = 65536

-- The message a run's channel gets when the run finishes (src/store/finish-message.ts reads it):
-- the status; for a succeeded run whose output reads at most FINISH_VALUES_MAX_NODES results of
-- at most FINISH_VALUES_MAX_BYTES in all, also a line break and those results as one JSON array,
-- in the output template's first-seen order (includes/template.lua), so that a waiter that has
-- the template answers without reading them.
local function finishMessage(run, status)
  -- After a resume or a rerun, the status says which reopen it ends ("succeeded@2"): a waiter
  -- that read the run reopened ignores a copy of an earlier finish delivered late.
  local read = redis.call('HMGET', run.meta, 'reopened', 'output')
  local reopened, outputJson = read[1], read[2]
  if reopened and reopened ~= '0' then status = status .. '@' .. reopened end
  if string.sub(status, 1, #RUN_SUCCEEDED) ~= RUN_SUCCEEDED or not outputJson then return status end
  -- One node's value (a one-task run, a chain): read without decoding the template.
  local single = string.match(outputJson, '^{"node":"(%d+)"}$')
  if single then
    local value = redis.call('HGET', run.results, single)
    if not value or #value + 1 > FINISH_VALUES_MAX_BYTES then return status end
    return status .. '\n[' .. value .. ']'
  end
  -- A `when`'s value reads a branch that was skipped: the waiter reads the run instead.
  if string.find(outputJson, '"when"', 1, true) then return status end
  local output = cjson.decode(outputJson)
  if templateSize(output) > FINISH_VALUES_MAX_NODES then return status end
  local ids = {}
  collectTemplateNodes(output, ids, {})
  if #ids == 0 then return status .. '\n[]' end
  local values = redis.call('HMGET', run.results, unpack(ids))
  local size = 0
  for index = 1, #ids do
    -- A missing result is damage: the waiter reads the run and says so.
    if not values[index] then return status end
    size = size + #values[index] + 1
    if size > FINISH_VALUES_MAX_BYTES then return status end
  end
  return status .. '\n[' .. table.concat(values, ',') .. ']'
end

-- The one place a run's status changes: keeps the status indexes, retention and the expiry
-- index in step, and announces a finish on the run's channel (finishMessage) and as a run.<status> event
-- (detail: the event's detail JSON, or nil). Becoming running again is announced by reopen-run.
-- A run submitted with a waiter channel (meta field `notify`: the submitting process waits for
-- results there, run-events.ts) gets the same message there too, after its id and a line break.
-- Returns the finish message, or nil when the status did not change to a finished one.
local function setRunStatus(run, runId, status, now, channel, detail)
  local meta = redis.call('HMGET', run.meta, 'status', 'indexMember', 'retainSucceededMs', 'retainFailedMs', 'retainCancelledMs', 'notify')
  local old, member = meta[1], meta[2]
  if old == status then return nil end
  if old and run.byStatus[old] then redis.call('ZREM', run.byStatus[old], member) end
  redis.call('ZADD', run.byStatus[status], 0, member)
  if status == RUN_RUNNING then
    redis.call('HSET', run.meta, 'status', status)
    redis.call('HDEL', run.meta, 'finishedAt', 'expiresAt', 'failedNode')
    for _, key in ipairs(runDataKeys(run)) do redis.call('PERSIST', key) end
    redis.call('ZREM', run.expiry, member)
    redis.call('ZREM', run.expired, runId)
    return nil
  end
  local retain = tonumber(({ [RUN_SUCCEEDED] = meta[3], [RUN_FAILED] = meta[4], [RUN_CANCELLED] = meta[5] })[status])
  local expiresAt = now + retain
  redis.call('HSET', run.meta, 'status', status, 'finishedAt', now, 'expiresAt', expiresAt)
  applyRetention(run, expiresAt)
  redis.call('ZADD', run.expiry, expiresAt, member)
  redis.call('ZADD', run.expired, expiresAt, runId)
  local message = finishMessage(run, status)
  redis.call('PUBLISH', channel, message)
  if meta[6] then redis.call('PUBLISH', meta[6], runId .. '\n' .. message) end
  emitEvent('run.' .. status, nil, nil, nil, detail)
  return message
end
