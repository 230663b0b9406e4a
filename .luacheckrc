-- luacheck settings for src/store/scripts, linted after their includes are expanded
-- (npm run lint:lua, scripts/lint-lua.mjs).

-- Redis runs Lua 5.1 with these globals and nothing else: a name outside them is a typo or a
-- function whose include is missing.
std = 'lua51'
read_globals = { 'KEYS', 'ARGV', 'redis', 'cjson', 'cmsgpack', 'bit', 'struct' }
-- Redis makes global writes an error at run time; luacheck makes them one before.
allow_defined_top = false

max_line_length = false
-- A loop's `id` or a helper's `run` reusing an outer name is the scripts' style, not a bug.
ignore = { '421', '431', '432' }
