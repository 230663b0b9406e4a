--[[
  claim: hand a worker up to N messages from the queues it consumes, each under a lease. Also
  does the queues' upkeep first, a bounded amount per call: delayed messages that are due move
  to ready, and messages whose lease expired (their worker died or stalled) move back to ready,
  ahead of the rest, to be redelivered.

  KEYS[1]  sequence       counter for first-come-first-served order inside a priority
  KEYS[2..] for each queue, in the worker's order of preference, four keys:
           ready (sorted set), delayed (sorted set by due time), leases (sorted set by lease
           deadline), signal (list)

  ARGV[1]  most messages to claim
  ARGV[2]  lease length in ms
  ARGV[3]  most due or expired messages to move per queue in this call

  Returns: { wakeInMs, queueIndex, message, queueIndex, message, ... }
    wakeInMs    ms until the earliest delayed message is due or lease expires, -1 if none:
                how long a worker with nothing to do may sleep
    queueIndex  1-based position of the message's queue in KEYS order
]]
--- @include "common"

local sequenceKey = KEYS[1]
local wanted = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local upkeepLimit = tonumber(ARGV[3])
local now = nowMs()
local queueCount = (#KEYS - 1) / 4

local function queueKeys(index)
  local base = 1 + (index - 1) * 4
  return KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4]
end

-- Upkeep.
for index = 1, queueCount do
  local readyKey, delayedKey, leasesKey = queueKeys(index)
  local due = redis.call('ZRANGEBYSCORE', delayedKey, '-inf', now, 'LIMIT', 0, upkeepLimit)
  for _, message in ipairs(due) do
    local priority = tonumber(string.match(message, '|(%d+)$')) or 0
    redis.call('ZADD', readyKey, readyScore(priority, redis.call('INCR', sequenceKey)), message)
  end
  if #due > 0 then redis.call('ZREM', delayedKey, unpack(due)) end
  local expired = redis.call('ZRANGEBYSCORE', leasesKey, '-inf', now, 'LIMIT', 0, upkeepLimit)
  for _, message in ipairs(expired) do
    -- A redelivery has waited a whole lease already: it goes ahead of every priority (a band
    -- of its own below the highest priority's).
    redis.call('ZADD', readyKey, formatScore(redis.call('INCR', sequenceKey) - PRIORITY_BAND), message)
  end
  if #expired > 0 then redis.call('ZREM', leasesKey, unpack(expired)) end
end

-- Claim.
local reply = { -1 }
local claimed = 0
for index = 1, queueCount do
  local readyKey, _, leasesKey, signalKey = queueKeys(index)
  if claimed < wanted then
    local popped = redis.call('ZPOPMIN', readyKey, wanted - claimed)
    local deadline = formatScore(now + leaseMs)
    local leases = {}
    for position = 1, #popped, 2 do
      local message = popped[position]
      leases[#leases + 1] = deadline
      leases[#leases + 1] = message
      reply[#reply + 1] = index
      reply[#reply + 1] = message
      claimed = claimed + 1
      if #leases >= 2000 then
        redis.call('ZADD', leasesKey, unpack(leases))
        leases = {}
      end
    end
    if #leases > 0 then redis.call('ZADD', leasesKey, unpack(leases)) end
  end
  -- Work left behind: make sure another worker wakes up for it.
  if redis.call('ZCARD', readyKey) > 0 then ensureSignal(signalKey) end
end

-- When must a worker with nothing to do wake up on its own?
local earliest = nil
for index = 1, queueCount do
  local _, delayedKey, leasesKey = queueKeys(index)
  for _, key in ipairs({ delayedKey, leasesKey }) do
    local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if first[2] then
      local at = tonumber(first[2])
      if not earliest or at < earliest then earliest = at end
    end
  end
end
if earliest then reply[1] = math.max(0, earliest - now) end

return reply
