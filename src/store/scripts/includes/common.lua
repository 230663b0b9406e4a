-- Helpers shared by every script (inlined where a script says --- @include "common"): the
-- clock, queue scores and messages. Kept small: Lua makes a closure of every local function each
-- time a script runs (specs are read by spec.lua, node states by node-state.lua).

-- The error reply for a run whose stored state is missing or malformed (a key deleted by hand,
-- evicted, or restored from an older snapshot): RUN_DAMAGED <run id> <what>. Returned before the
-- script writes anything; store/redis-errors.ts makes it a RunDamagedError.
local function runDamaged(runId, what)
  return redis.error_reply('RUN_DAMAGED ' .. runId .. ' ' .. what)
end

-- Redis's own clock, so that every worker and submitter agrees on "now" whatever their clocks say.
local function nowMs()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end

-- When a node made ready now may start: nil at once, else the time it is due. A countdown counts
-- from now; an eta (ms since the epoch, Redis's clock) is absolute; with both, the later one.
local function delayedUntil(countdownMs, etaMs, now)
  local due = now
  if countdownMs and countdownMs > 0 then due = now + countdownMs end
  if etaMs and etaMs > due then due = etaMs end
  if due > now then return due end
  return nil
end

-- Lua would print large numbers in exponent form ("1.7e+13"), which Redis reads back rounded.
local function formatScore(number)
  return string.format('%.0f', number)
end

local MAX_PRIORITY = 9
-- 2^44 sequence numbers fit in each priority band without leaving the exact range of a double.
local PRIORITY_BAND = 17592186044416

-- Lower scores are popped first: higher priority, then first come first served. Returned as a
-- number, for redis.call only: Redis writes a number argument with 17 significant digits, exact
-- for these integers (below 2^53), so no string.format is needed (formatScore is for strings).
local function readyScore(priority, sequence)
  return (MAX_PRIORITY - priority) * PRIORITY_BAND + sequence
end

-- A message names one delivery of a node: "<run id>|<node id>|<delivery>|<priority>". The
-- delivery number grows each time the node is made ready (enqueueNode, take-next), and stays
-- the same when an expired lease puts the message back: so start-node can tell a redelivery
-- of the node's current delivery from a stale message of an earlier one (left by a claim that
-- raced with cancel-run or reopen-run).
local function messageFor(runId, nodeId, delivery, priority)
  return runId .. '|' .. nodeId .. '|' .. (delivery or 0) .. '|' .. (priority or 0)
end

-- The four fields of a message (strings), or nil for one that is not celeriac's.
local function messageParts(message)
  return string.match(message, '^([^|]+)|([^|]+)|(%d+)|(%d+)$')
end

-- One command over many arguments (field/value or score/member pairs), at most 2000 per call:
-- unpack() is bounded by Lua's C stack.
local function callInChunks(command, key, args)
  for first = 1, #args, 2000 do
    redis.call(command, key, unpack(args, first, math.min(first + 1999, #args)))
  end
end

-- A queue's keys as scripts receive them, QUEUE_KEY_COUNT from `base` in KEYS (queueScriptKeys in
-- keys.ts): ready, delayed, leases, signal, and ranged (includes/ranges.lua).
local function queueKeysAt(keys, base)
  return { ready = keys[base], delayed = keys[base + 1], leases = keys[base + 2], signal = keys[base + 3], ranged = keys[base + 4] }
end

-- One token in a queue's signal list wakes one blocked worker; workers re-signal while work
-- remains, so one token is enough and the list never grows.
-- The token wakes one worker blocked on the list (BLPOP, one Redis). The message on the channel
-- of the same name wakes the workers of a Redis Cluster, where one BLPOP cannot wait on every
-- shard's lists; they take no token, so each claim takes it (claim.lua) and puts it back while
-- work is left. runId: the run whose message was just made ready, as the token: the worker it
-- wakes claims with that run's keys and starts its messages in the same call (claim-run.lua);
-- nil gives the token "1", a wake-up with no run named.
local function ensureSignal(signalKey, runId)
  if redis.call('LLEN', signalKey) == 0 then
    local token = runId or '1'
    redis.call('RPUSH', signalKey, token)
    redis.call('PUBLISH', signalKey, token)
  end
end

-- A started node goes to its worker as one JSON array (startNode in start.lua): [attempt,
-- leaseExpiries, attemptOffset, spec, context, inputs, missing]. FIRST_START_HEAD opens it for a
-- first attempt with no lease expiry or resume behind it; plainContextJson is the context of a
-- start in a run without a trace (three numbers, written without cjson).
local FIRST_START_HEAD = '[1,0,0,'
local function plainContextJson(queuedAt, startedAt, reopened)
  return string.format('{"queuedAt":%.0f,"startedAt":%.0f,"reopened":%d}', queuedAt, startedAt, reopened)
end
