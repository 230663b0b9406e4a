--[[
  worker-heartbeat: a running worker says it is alive (a beat), or that it has stopped (remove).
  The registry is two structures and a third for start times, all written only here:
  `{p}:workers` (hash, worker id -> record JSON, opaque to this script: store/workers.ts encodes
  and decodes it), `{p}:workers:seen` (sorted set, id -> last beat, ms of Redis's clock) and
  `{p}:workers:started` (sorted set, id -> first beat). Times come from TIME here, so every
  worker and reader share one clock. A worker that dies without removing itself stays listed
  (readers call it silent) until it is pruned: every beat drops workers silent for longer than
  ARGV[4], and the oldest beyond ARGV[5] entries, so the registry stays bounded.

  KEYS[1]  {p}:workers          hash
  KEYS[2]  {p}:workers:seen     sorted set
  KEYS[3]  {p}:workers:started  sorted set

  ARGV[1]  'beat' or 'remove'
  ARGV[2]  worker id
  ARGV[3]  record JSON (beat)
  ARGV[4]  prune workers not seen for this many ms (beat)
  ARGV[5]  most workers kept (beat)

  Returns: Redis's time in ms
]]
local workers, seen, started = KEYS[1], KEYS[2], KEYS[3]
local action, id = ARGV[1], ARGV[2]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local function forget(worker)
  redis.call('HDEL', workers, worker)
  redis.call('ZREM', seen, worker)
  redis.call('ZREM', started, worker)
end

if action == 'remove' then
  forget(id)
  return now
end
if action ~= 'beat' then return redis.error_reply('ERR worker-heartbeat: unknown action ' .. tostring(action)) end

redis.call('HSET', workers, id, ARGV[3])
redis.call('ZADD', seen, now, id)
redis.call('ZADD', started, 'NX', now, id)

-- Bounded work per beat: at most 100 long-silent workers go at once.
local pruned = redis.call('ZRANGEBYSCORE', seen, '-inf', '(' .. (now - tonumber(ARGV[4])), 'LIMIT', 0, 100)
for _, worker in ipairs(pruned) do forget(worker) end
local extra = redis.call('ZCARD', seen) - tonumber(ARGV[5])
if extra > 0 then
  for _, worker in ipairs(redis.call('ZRANGE', seen, 0, extra - 1)) do forget(worker) end
end
return now
