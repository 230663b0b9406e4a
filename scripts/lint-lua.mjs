// Lints every top-level script of src/store/scripts with luacheck, as Redis will run it: the
// lines src/store/lua-source.ts assembles (the constants prelude, the script, and the
// definitions of its includes that it uses; which is why this runs under tsx). A script is linted
// whole because an include's functions are only defined, or only undefined, in the scripts that
// include it; a definition left out wrongly is an undefined name here. Findings are reported
// against the original file and line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INCLUDE_LINE, scriptLines } from '../src/store/lua-source.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const scriptsDir = join(root, 'src/store/scripts');
const preludeFile = join(root, 'src/store/lua-constants.ts');
// A line that merely looks like an include is reported: it would stay a comment, and the
// functions it meant to bring in would be missing.
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
  readFileSync(file, 'utf8').split('\n').forEach((text, index) => {
    if (!INCLUDE_LINE.test(text) && looksLikeInclude.test(text)) {
      problems.push(`${relative(root, file)}:${index + 1}:1: malformed include line (expected --- @include "name")`);
    }
  });
  let lines;
  try {
    lines = scriptLines(name.replace(/\.lua$/, ''));
  } catch (error) {
    problems.push(`${relative(root, file)}: ${error.message}`);
    continue;
  }
  const expanded = join(temp, name);
  writeFileSync(expanded, lines.map((line) => line.text).join('\n'));
  origins.set(
    expanded,
    lines.map((line) => ({ file: line.file === 'prelude' ? preludeFile : join(scriptsDir, line.file), line: line.line, include: line.shared })),
  );
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
