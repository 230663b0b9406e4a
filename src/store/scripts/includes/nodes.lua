-- Reading hash fields in bulk (inlined where a script says --- @include "nodes", after "common"
-- and "spec"). Specs are read by spec.lua, node states by node-state.lua.

-- Many hash fields as stored (no decoding), in chunked HMGETs: { [id] = raw or nil }.
local function loadRaw(key, ids)
  local raw = {}
  for first = 1, #ids, 1000 do
    local last = math.min(first + 999, #ids)
    local values = redis.call('HMGET', key, unpack(ids, first, last))
    for index = first, last do raw[ids[index]] = values[index - first + 1] or nil end
  end
  return raw
end
