--[[
  release-messages: a worker hands claimed messages back to their queue, unstarted, because
  start-nodes was refused (Redis out of memory: the refused script wrote nothing, so each node is
  as the claim left it). Without this they would wait out their lease (the visibility timeout).
  The node's delivery is unchanged and no lease expiry is counted: nothing ran.

  Works when Redis is out of memory: Redis refuses a script's commands that may grow memory only
  until the script's first write, and the first write here is a ZREM, which frees memory.

  KEYS[1]  sequence  counter for first-come-first-served order inside a priority
  KEYS[2]  ready     of the queue the messages came from
  KEYS[3]  leases    of that queue
  KEYS[4]  signal    of that queue

  ARGV[1..]  the messages, as claimed

  Returns: how many messages went back to ready (a message whose lease is gone already, expired
           and redelivered, is left alone)
]]
--- @include "common"

local sequenceKey, readyKey, leasesKey, signalKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local released = 0
for _, message in ipairs(ARGV) do
  if redis.call('ZREM', leasesKey, message) == 1 then
    local _, _, _, priority = messageParts(message)
    redis.call('ZADD', readyKey, readyScore(tonumber(priority) or 0, redis.call('INCR', sequenceKey)), message)
    released = released + 1
  end
end
if released > 0 then ensureSignal(signalKey) end
return released
