-- Queue keys passed to run-level scripts that may touch any queue of the run, QUEUE_KEY_COUNT per
-- queue after `first` in KEYS, named in ARGV from `firstName`. Checks that every queue the run uses
-- (its meta's `queues`) is there, before the caller writes anything.
local function runQueuesFrom(keys, first, argv, firstName, runQueuesJson)
  local queues = {}
  local count = (#keys - first + 1) / QUEUE_KEY_COUNT
  for index = 1, count do
    local queue = queueKeysAt(keys, first + (index - 1) * QUEUE_KEY_COUNT)
    queue.name = argv[firstName + index - 1]
    queues[queue.name] = queue
  end
  for _, name in ipairs(cjson.decode(runQueuesJson or '[]')) do
    if not queues[name] then return nil, name end
  end
  return queues, nil
end

-- Take a node's message out of its queue, wherever it is (ready, delayed or leased).
local function withdrawMessage(queue, message)
  redis.call('ZREM', queue.ready, message)
  redis.call('ZREM', queue.delayed, message)
  redis.call('ZREM', queue.leases, message)
end
