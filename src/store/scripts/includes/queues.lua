-- Queue keys passed to run-level scripts that may touch any queue of the run, four per queue
-- after `first` in KEYS, named in ARGV from `firstName`. Checks that every queue the run uses
-- (its meta's `queues`) is there, before the caller writes anything.
local function runQueuesFrom(keys, first, argv, firstName, runQueuesJson)
  local queues = {}
  local count = (#keys - first + 1) / 4
  for index = 1, count do
    local base = first + (index - 1) * 4
    queues[argv[firstName + index - 1]] = {
      ready = keys[base], delayed = keys[base + 1], leases = keys[base + 2], signal = keys[base + 3],
    }
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
