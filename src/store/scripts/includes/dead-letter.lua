-- Dead letters: messages no worker can act on (not celeriac's format, a run or node that does
-- not exist, a node that already finished or is not due). Each is removed from its queue and
-- recorded once with the reason, newest first, so that a poison message costs one claim and is
-- visible (`celeriac dead-letters`, app.deadLetters()) instead of being retried forever.
-- deadLetters: { list = key, counts = key }. The list keeps the newest DEAD_LETTER_KEEP entries;
-- counts (a hash, reason -> total) is never trimmed.
local DEAD_LETTER_KEEP = 10000

local function deadLetter(deadLetters, queueName, message, reason, now)
  local runId, nodeId = messageParts(message)
  local entry = { at = now, queue = queueName, message = message, reason = reason }
  if runId then
    entry.runId = runId
    entry.nodeId = nodeId
  end
  redis.call('LPUSH', deadLetters.list, cjson.encode(entry))
  redis.call('LTRIM', deadLetters.list, 0, DEAD_LETTER_KEEP - 1)
  redis.call('HINCRBY', deadLetters.counts, reason, 1)
end
