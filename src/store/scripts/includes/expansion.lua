-- A map's expansion (inlined where a script says --- @include "expansion", after "common",
-- "template", "spec", "nodes" and "run"). store/expansion-format.ts owns the layout: from the
-- first id B, the n items, then item i's element node r at B + n + i*k + r - 1; the map node's
-- plan (its spec's one arg) holds the element's value template and exits in the element's own
-- ids (0: the item). The run's meta records each expansion as `x:<map node>` = "B,n,k".

-- The expansion of a map node: first, n, k; nil when it has none.
local function expansionOf(run, mapId)
  local record = redis.call('HGET', run.meta, 'x:' .. mapId)
  if not record then return nil end
  local first, n, k = string.match(record, '^(%d+),(%d+),(%d+)$')
  return tonumber(first), tonumber(n), tonumber(k)
end

-- The map node's plan: { value = template, exits = { ids } } in the element's ids.
local function elementPlanOf(run, mapId)
  return decodeSpec(redis.call('HGET', run.specs, mapId)).args[1]
end

local function elementNodeId(rel, item, first, n, k)
  rel = tonumber(rel)
  if rel == 0 then return tostring(first + item) end
  return tostring(first + n + item * k + rel - 1)
end

-- The ids of every item's exits.
local function expansionExits(run, mapId, first, n, k)
  local exits = elementPlanOf(run, mapId).exits
  local ids = {}
  for item = 0, n - 1 do
    for _, rel in ipairs(exits) do ids[#ids + 1] = elementNodeId(rel, item, first, n, k) end
  end
  return ids
end

-- The map node's value, as JSON text: the list of each item's element value, filled from the
-- results as the worker's fillTemplate would (graph/template.ts), without decoding any result.
local function gatherExpansion(run, mapId)
  local first, n, k = expansionOf(run, mapId)
  local value = elementPlanOf(run, mapId).value
  local ids, seen = {}, {}
  local function add(id)
    if not seen[id] then
      seen[id] = true
      ids[#ids + 1] = id
    end
  end
  local function collect(template, item)
    if template.node then add(elementNodeId(template.node, item, first, n, k))
    elseif template.range then
      for rel = template.range[1], template.range[1] + template.range[2] - 1 do add(elementNodeId(rel, item, first, n, k)) end
    elseif template.when then
      add(elementNodeId(template.when, item, first, n, k))
      collect(template['then'], item)
      if template['else'] then collect(template['else'], item) end
    else
      for _, inner in ipairs(template.list) do collect(inner, item) end
    end
  end
  for item = 0, n - 1 do collect(value, item) end
  local results = loadRaw(run.results, ids)
  local function fill(template, item)
    if template.node then return results[elementNodeId(template.node, item, first, n, k)] or 'null' end
    local parts = {}
    if template.range then
      for rel = template.range[1], template.range[1] + template.range[2] - 1 do
        parts[#parts + 1] = results[elementNodeId(rel, item, first, n, k)] or 'null'
      end
    elseif template.when then
      local decided = results[elementNodeId(template.when, item, first, n, k)]
      if decided and isTruthyJson(decided) then return fill(template['then'], item) end
      if template['else'] then return fill(template['else'], item) end
      return 'null'
    else
      for _, inner in ipairs(template.list) do parts[#parts + 1] = fill(inner, item) end
    end
    return '[' .. table.concat(parts, ',') .. ']'
  end
  local values = {}
  for item = 0, n - 1 do values[item + 1] = fill(value, item) end
  return '[' .. table.concat(values, ',') .. ']'
end
