--[[
  worker-heartbeat: a running worker says it is alive (a beat), or that it has stopped (remove),
  and in both cases hands over the attempts it finished since its last beat, per queue.
  The registry is two structures and a third for start times, all written only here:
  `{p}:workers` (hash, worker id -> record JSON, opaque to this script: store/workers.ts encodes
  and decodes it), `{p}:workers:seen` (sorted set, id -> last beat, ms of Redis's clock) and
  `{p}:workers:started` (sorted set, id -> first beat). Times come from TIME here, so every
  worker and reader share one clock. A worker that dies without removing itself stays listed
  (readers call it silent) until it is pruned: every beat drops workers silent for longer than
  ARGV[4], and the oldest beyond ARGV[5] entries, so the registry stays bounded.

  Throughput (format: store/throughput.ts): the counts are added to the bucket of this call's
  TIME, so the per-node scripts write nothing for it (a count is at most one beat late). Each
  call also deletes up to 100 buckets-and-queues older than the retention, by the index.

  KEYS[1]  {p}:workers           hash
  KEYS[2]  {p}:workers:seen      sorted set
  KEYS[3]  {p}:workers:started   sorted set
  KEYS[4]  {p}:throughput        hash
  KEYS[5]  {p}:throughput:index  sorted set

  ARGV[1]  'beat' or 'remove'
  ARGV[2]  worker id
  ARGV[3]  record JSON (beat)
  ARGV[4]  prune workers not seen for this many ms (beat)
  ARGV[5]  most workers kept (beat)
  ARGV[6]  throughput retention in ms
  ARGV[7]  throughput bucket width in ms
  ARGV[8..] for each queue with counts, three values: queue name, attempts succeeded, failed

  Returns: Redis's time in ms, or the error reply ARGUMENTS_INVALID for an action other than
           'beat' and 'remove'
]]
local workers, seen, started = KEYS[1], KEYS[2], KEYS[3]
local counts, countsIndex = KEYS[4], KEYS[5]
local action, id = ARGV[1], ARGV[2]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

if action ~= 'beat' and action ~= 'remove' then
  return redis.error_reply('ARGUMENTS_INVALID unknown action ' .. tostring(action))
end

local retentionMs, bucketMs = tonumber(ARGV[6]), tonumber(ARGV[7])
local bucket = now - now % bucketMs
for position = 8, #ARGV, 3 do
  local member = bucket .. '|' .. ARGV[position]
  local succeeded, failed = tonumber(ARGV[position + 1]), tonumber(ARGV[position + 2])
  if succeeded > 0 then redis.call('HINCRBY', counts, member .. '|s', succeeded) end
  if failed > 0 then redis.call('HINCRBY', counts, member .. '|f', failed) end
  redis.call('ZADD', countsIndex, bucket, member)
end
-- Bounded work per call: 100 entries past retention go at once (beats come every few seconds
-- from every worker, far more often than buckets age out).
local expired = redis.call('ZRANGEBYSCORE', countsIndex, '-inf', '(' .. (now - retentionMs), 'LIMIT', 0, 100)
for _, member in ipairs(expired) do
  redis.call('HDEL', counts, member .. '|s', member .. '|f')
  redis.call('ZREM', countsIndex, member)
end

local function forget(worker)
  redis.call('HDEL', workers, worker)
  redis.call('ZREM', seen, worker)
  redis.call('ZREM', started, worker)
end

if action == 'remove' then
  forget(id)
  return now
end

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
