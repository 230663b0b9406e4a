-- The Lua reader of input and output templates (src/graph/template.ts owns the format; a template
-- is { node = id }, { list = { ... } }, { range = { first, count } } or a `when`'s value
-- { when = id, ['then'] = template, ['else'] = template }, compacted by compactTemplate), inlined
-- where a script says --- @include "template".

-- The node ids a template reads, in first-seen order, each once: the order templateNodes in
-- graph/template.ts gives, which is how a worker matches values to ids.
local function collectTemplateNodes(template, ids, seen)
  if template.node then
    if not seen[template.node] then
      seen[template.node] = true
      ids[#ids + 1] = template.node
    end
  elseif template.list then
    for _, item in ipairs(template.list) do collectTemplateNodes(item, ids, seen) end
  elseif template.when then
    -- A `when`'s value: the predicate's node, then both branches (the one not taken was skipped
    -- and has no results; the worker reads only the one the predicate picks).
    if not seen[template.when] then
      seen[template.when] = true
      ids[#ids + 1] = template.when
    end
    collectTemplateNodes(template['then'], ids, seen)
    if template['else'] then collectTemplateNodes(template['else'], ids, seen) end
  elseif template.range then
    -- Consecutive node ids (compactTemplate in graph/template.ts).
    for index = template.range[1], template.range[1] + template.range[2] - 1 do
      local id = tostring(index)
      if not seen[id] then
        seen[id] = true
        ids[#ids + 1] = id
      end
    end
  end
end

-- At most how many node ids a template reads (a node read twice counts twice), without listing them.
local function templateSize(template)
  if template.node then return 1 end
  if template.range then return template.range[2] end
  if template.when then return 1 + templateSize(template['then']) + (template['else'] and templateSize(template['else']) or 0) end
  local size = 0
  for _, item in ipairs(template.list or {}) do size = size + templateSize(item) end
  return size
end

-- Whether a JSON value is truthy by JavaScript's rules (graph/template.ts isTruthy): false, null,
-- "" and 0 are not.
local function isTruthyJson(json)
  if json == 'false' or json == 'null' or json == '""' then return false end
  local number = tonumber(json)
  return number == nil or number ~= 0
end
