// Lints every top-level script of src/store/scripts with luacheck, as Redis will run it: after
// the constants prelude (src/store/lua-constants.ts, which is why this runs under tsx), its
// `--- @include "x"` lines expanded the way src/store/script.ts expands them. A script is linted
// whole because an include's functions are only defined, or only undefined, in the scripts that
// include it. Findings are reported against the original file and line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LUA_PRELUDE } from '../src/store/lua-constants.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const scriptsDir = join(root, 'src/store/scripts');
const includesDir = join(scriptsDir, 'includes');
// The same pattern as script.ts; a line that merely looks like an include is reported, since
// script.ts would leave it as a comment and the functions it meant to bring in would be missing.
const includeLine = /^--- @include "([a-z-]+)"$/;
const looksLikeInclude = /^\s*-+\s*@include\b/;

const probe = spawnSync('luacheck', ['--version'], { encoding: 'utf8' });
if (probe.error) {
  console.error('lint:lua: luacheck not found (Debian: apt-get install lua-check)');
  process.exit(2);
}

const problems = [];
const temp = mkdtempSync(join(tmpdir(), 'celeriac-lua-'));
/** expanded file -> for each expanded line, its origin { file, line, include } */
const origins = new Map();

for (const name of readdirSync(scriptsDir).filter((f) => f.endsWith('.lua')).sort()) {
  const file = join(scriptsDir, name);
  const out = [];
  const map = [];
  const preludeFile = join(root, 'src/store/lua-constants.ts');
  LUA_PRELUDE.replace(/\n$/, '').split('\n').forEach((text, index) => {
    out.push(text);
    map.push({ file: preludeFile, line: index + 1, include: true });
  });
  readFileSync(file, 'utf8').split('\n').forEach((text, index) => {
    const match = includeLine.exec(text);
    if (!match) {
      if (looksLikeInclude.test(text)) {
        problems.push(`${relative(root, file)}:${index + 1}:1: malformed include line (expected --- @include "name")`);
      }
      out.push(text);
      map.push({ file, line: index + 1, include: false });
      return;
    }
    const includeFile = join(includesDir, `${match[1]}.lua`);
    if (!existsSync(includeFile)) {
      problems.push(`${relative(root, file)}:${index + 1}:1: include "${match[1]}" not found (no ${relative(root, includeFile)})`);
      return;
    }
    // script.ts replaces the line by the file's text, whose final newline ends the line.
    const lines = readFileSync(includeFile, 'utf8').replace(/\n$/, '').split('\n');
    lines.forEach((includeText, includeIndex) => {
      out.push(includeText);
      map.push({ file: includeFile, line: includeIndex + 1, include: true });
    });
  });
  const expanded = join(temp, name);
  writeFileSync(expanded, out.join('\n'));
  origins.set(expanded, map);
}

const result = spawnSync(
  'luacheck',
  ['--config', join(root, '.luacheckrc'), '--formatter', 'plain', '--codes', '--no-color', ...origins.keys()],
  { encoding: 'utf8' },
);
if (result.error || result.status === null || result.status > 2) {
  console.error(result.stderr || result.error || 'luacheck failed to run');
  process.exit(2);
}

const seen = new Set();
for (const finding of result.stdout.split('\n').filter(Boolean)) {
  const match = /^(.+?):(\d+):(\d+): \((\w)(\d+)\) (.*)$/.exec(finding);
  if (!match) {
    problems.push(finding);
    continue;
  }
  const [, expanded, line, column, , code, rawMessage] = match;
  const map = origins.get(expanded);
  const origin = map?.[Number(line) - 1];
  if (!origin) {
    problems.push(finding);
    continue;
  }
  // Not every script calls every function of an include: unused (2xx) is only reported for a
  // script's own lines.
  if (origin.include && code.startsWith('2')) continue;
  // "previously defined on line N" names an expanded line too.
  const message = rawMessage.replace(/on line (\d+)/, (text, other) => {
    const at = map[Number(other) - 1];
    return at ? `on ${relative(root, at.file)}:${at.line}` : text;
  });
  const script = relative(root, join(scriptsDir, relative(temp, expanded)));
  const where = `${relative(root, origin.file)}:${origin.line}:${column}`;
  const text = origin.include ? `${where}: (W${code}) ${message} [in ${script}]` : `${where}: (W${code}) ${message}`;
  // An include's finding repeats in every script that includes it: once per place and message.
  const key = `${where} ${code} ${message}`;
  if (origin.include && seen.has(key)) continue;
  seen.add(key);
  problems.push(text);
}
rmSync(temp, { recursive: true, force: true });

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`lint:lua: ${problems.length} problem(s) in ${origins.size} scripts`);
  process.exit(1);
}
console.log(`lint:lua: ${origins.size} scripts clean`);
