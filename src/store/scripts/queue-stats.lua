--[[
  queue-stats: how many messages each queue holds, read at one instant (read only), and the ready
  message that has waited longest in each.

  The oldest ready message is the one with the lowest sequence number. The ready score is
  (MAX_PRIORITY - priority) * PRIORITY_BAND + sequence (a redelivery: sequence - PRIORITY_BAND),
  so the head of each band is its oldest; the oldest of the band heads is the queue's oldest. The
  message carries no time: the caller reads its node's queuedAt (run keys are not known here).

  KEYS[4i-3]  ready    of queue i
  KEYS[4i-2]  delayed  of queue i
  KEYS[4i-1]  leases   of queue i
  KEYS[4i]    ranged   of queue i: how many more messages its range members stand for
              (includes/ranges.lua), counted as ready; the oldest may be a range member

  Returns: { now (ms, Redis clock), then per queue in KEYS order: ready count, delayed count,
             leased count, the oldest ready message or '' }
]]
--- @include "common"

local time = redis.call('TIME')
local reply = { tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) }

for base = 1, #KEYS, 4 do
  local readyKey = KEYS[base]
  local ready = redis.call('ZCARD', readyKey)
  local oldest, oldestSequence = '', nil
  if ready > 0 then
    -- Band -1 holds redeliveries; bands 0 .. MAX_PRIORITY hold priorities MAX_PRIORITY .. 0.
    for band = -1, MAX_PRIORITY do
      local low = band * PRIORITY_BAND
      local head = redis.call('ZRANGEBYSCORE', readyKey, low, '(' .. string.format('%.0f', low + PRIORITY_BAND), 'WITHSCORES', 'LIMIT', 0, 1)
      if head[1] then
        local sequence = tonumber(head[2]) - low
        if oldestSequence == nil or sequence < oldestSequence then oldest, oldestSequence = head[1], sequence end
      end
    end
  end
  reply[#reply + 1] = ready + (tonumber(redis.call('GET', KEYS[base + 3])) or 0)
  reply[#reply + 1] = redis.call('ZCARD', KEYS[base + 1])
  reply[#reply + 1] = redis.call('ZCARD', KEYS[base + 2])
  reply[#reply + 1] = oldest
end
return reply
