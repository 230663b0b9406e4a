-- An expansion: a map's element runs, or a replacement canvas (inlined where a script says
-- --- @include "expansion", after "common", "template", "spec", "nodes" and "run").
-- store/expansion-format.ts owns the layout: from the first id B, s item nodes (s = n, or 0
-- when nothing reads them), then copy i's node r at B + s + i*k + r - 1 (a replacement: n = 0,
-- one copy). The run's meta records each expansion as `x:<node>` = "B,n,k,s", and
-- `xp:<node>` = { value, exits }: the element's value template and exits in its own ids (0: the
-- item node).

-- The expansion of a node: first, n, k, s (the item nodes stored); nil when it has none.
local function expansionOf(run, mapId)
  local record = redis.call('HGET', run.meta, 'x:' .. mapId)
  if not record then return nil end
  local first, n, k, stored = string.match(record, '^(%d+),(%d+),(%d+),(%d+)$')
  return tonumber(first), tonumber(n), tonumber(k), tonumber(stored)
end

-- What the scripts read of an expansion: { value = template, exits = { ids } } in the element's ids.
local function elementPlanOf(run, mapId)
  return cjson.decode(redis.call('HGET', run.meta, 'xp:' .. mapId))
end

local function elementNodeId(rel, item, first, stored, k)
  rel = tonumber(rel)
  if rel == 0 then return tostring(first + item) end
  return tostring(first + stored + item * k + rel - 1)
end

-- The ids of every item's exits.
local function expansionExits(run, mapId, first, n, k, stored)
  local exits = elementPlanOf(run, mapId).exits
  local ids = {}
  for item = 0, math.max(n, 1) - 1 do
    for _, rel in ipairs(exits) do ids[#ids + 1] = elementNodeId(rel, item, first, stored, k) end
  end
  return ids
end

-- The expanded node's value, as JSON text: a map's is the list of each item's element value, a
-- replacement's the canvas's value; filled from the results as the worker's fillTemplate would
-- (graph/template.ts), without decoding any result. first, n, k, stored: its expansionOf().
local function gatherExpansion(run, mapId, first, n, k, stored)
  local value = elementPlanOf(run, mapId).value
  local ids, seen = {}, {}
  local function add(id)
    if not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
  local function collect(template, item)
    if template.node then add(elementNodeId(template.node, item, first, stored, k))
    elseif template.range then
      for rel = template.range[1], template.range[1] + template.range[2] - 1 do add(elementNodeId(rel, item, first, stored, k)) end
    elseif template.when then
      add(elementNodeId(template.when, item, first, stored, k))
      collect(template['then'], item)
      if template['else'] then collect(template['else'], item) end
    else
      for _, inner in ipairs(template.list) do collect(inner, item) end
    end
  end
  for item = 0, math.max(n, 1) - 1 do collect(value, item) end
  local results = loadRaw(run.results, ids)
  local function fill(template, item)
    if template.node then return results[elementNodeId(template.node, item, first, stored, k)] or 'null' end
    local parts = {}
    if template.range then
      for rel = template.range[1], template.range[1] + template.range[2] - 1 do
        parts[#parts + 1] = results[elementNodeId(rel, item, first, stored, k)] or 'null'
      end
    elseif template.when then
      local decided = results[elementNodeId(template.when, item, first, stored, k)]
      if decided and isTruthyJson(decided) then return fill(template['then'], item) end
      if template['else'] then return fill(template['else'], item) end
      return 'null'
    else
      for _, inner in ipairs(template.list) do parts[#parts + 1] = fill(inner, item) end
    end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  if n == 0 then return fill(value, 0) end
  local values = {}
  for item = 0, n - 1 do values[item + 1] = fill(value, item) end
  return '[' .. table.concat(values, ',') .. ']'
end
