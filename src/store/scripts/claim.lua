--[[
  claim: hand a worker up to N messages from the queues it consumes, each under a lease. Also
  does the queues' upkeep first, a bounded amount per call: delayed messages that are due move
  to ready, and messages whose lease expired (their worker died or stalled) move back to ready,
  ahead of the rest, to be redelivered.

  KEYS[1]  sequence       counter for first-come-first-served order inside a priority
  KEYS[2..] for each queue, in the worker's order of preference, five keys:
           ready (sorted set), delayed (sorted set by due time), leases (sorted set by lease
           deadline), signal (list), ranged (includes/ranges.lua)

  ARGV[1]  most messages to claim
  ARGV[2]  lease length in ms
  ARGV[3]  most due or expired messages to move per queue in this call

  Returns: { wakeInMs, queueIndex, message, queueIndex, message, ... }
    wakeInMs    ms until the earliest delayed message is due or lease expires, -1 if none:
                how long a worker with nothing to do may sleep
    queueIndex  1-based position of the message's queue in KEYS order
]]
--- @include "common"
--- @include "ranges"
--- @include "claim"

local sequenceKey = KEYS[1]
local wanted = tonumber(ARGV[1])
local leaseMs = tonumber(ARGV[2])
local upkeepLimit = tonumber(ARGV[3])
local now = nowMs()

local queueList = {}
for base = 2, #KEYS, QUEUE_KEY_COUNT do queueList[#queueList + 1] = queueKeysAt(KEYS, base) end

queueUpkeep(queueList, sequenceKey, now, upkeepLimit)
local reply = { -1 }
local messages, queueIndexes = claimMessages(queueList, wanted, now, leaseMs)
for index, message in ipairs(messages) do
  reply[#reply + 1] = queueIndexes[index]
  reply[#reply + 1] = message
end

-- When must a worker with nothing to do wake up on its own?
reply[1] = wakeInMs(queueList, now)
return reply
