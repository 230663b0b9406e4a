--[[
  dead-letter: a worker claimed a message it cannot parse (not "<run>|<node>|<delivery>|<priority>":
  garbage, or written by something else). It leaves the queue's leases (so it is not redelivered
  forever) and is recorded as a dead letter with the reason (includes/dead-letter.lua).
  Messages that parse but name a missing run or node, or a finished one, are dead-lettered by
  start-nodes and complete-nodes themselves.

  KEYS[1]  leases of the queue the message was claimed from
  KEYS[2]  dead letters (list)
  KEYS[3]  dead letter counts by reason (hash)

  ARGV[1]  queue name
  ARGV[2]  the message, exactly as claimed
  ARGV[3]  reason

  Returns: 1 when the message was still leased (and is now a dead letter), 0 when it was not
           there any more (another call dealt with it; nothing is recorded twice)
]]
--- @include "common"
--- @include "dead-letter"

if redis.call('ZREM', KEYS[1], ARGV[2]) == 0 then return 0 end
deadLetter({ list = KEYS[2], counts = KEYS[3] }, ARGV[1], ARGV[2], ARGV[3], nowMs())
return 1
