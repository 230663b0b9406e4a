import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LuaSourceError, assembleLines, scriptLines } from '../../src/store/lua-source.js';

const INCLUDES: Record<string, string> = {
  base: [
    '-- Adds one.',
    'local function inc(x)',
    '  return x + 1',
    'end',
    '',
    '-- Never reached from the script below.',
    'local function unused()',
    '  return inc(0)',
    'end',
    'local LIMIT, OTHER = 10, 20',
    'local function twice(x)',
    '  return inc(inc(x))',
    'end',
    'local Box = {}',
    'Box.__index = Box',
    'function Box.new(value)',
    '  return setmetatable({ value = value, limit = LIMIT }, Box)',
    'end',
    'local Unused = {}',
    'function Unused:size()',
    '  return 0',
    'end',
  ].join('\n'),
};
const read = (name: string): string => {
  const text = INCLUDES[name];
  if (text === undefined) throw new Error(`no include ${name}`);
  return text;
};
const codeOf = (source: string): string[] =>
  assembleLines('demo', source, read)
    .filter((line) => line.file !== 'prelude')
    .map((line) => line.text);

describe('lua-source: a script carries only the definitions it reaches', () => {
  it('keeps what the script uses, directly or through kept definitions, with its comment and its members', () => {
    const code = codeOf(['--[[', '  demo: uses twice and Box (unused is only named here)', ']]', '--- @include "base"', 'return twice(Box.new(1).value)'].join('\n'));
    expect(code).toContain('local function twice(x)');
    expect(code).toContain('local function inc(x)');
    expect(code).toContain('-- Adds one.');
    expect(code).toContain('function Box.new(value)');
    expect(code).toContain('Box.__index = Box');
    // LIMIT is reached through Box.new, and keeps OTHER, defined on its line.
    expect(code).toContain('local LIMIT, OTHER = 10, 20');
    expect(code).not.toContain('local function unused()');
    expect(code).not.toContain('-- Never reached from the script below.');
    expect(code).not.toContain('local Unused = {}');
    expect(code).not.toContain('function Unused:size()');
    expect(code.at(-1)).toBe('return twice(Box.new(1).value)');
  });

  it('keeps nothing of an include the script does not use, and only the prelude constants it names', () => {
    const lines = assembleLines('demo', '--- @include "base"\nreturn NODE_RUNNING', read);
    expect(lines.filter((line) => line.file === 'includes/base.lua')).toEqual([]);
    expect(lines.filter((line) => line.file === 'prelude').map((line) => line.text)).toEqual([expect.stringMatching(/^local NODE_PENDING, .*NODE_RUNNING/)]);
    expect(lines.at(-1)).toEqual({ text: 'return NODE_RUNNING', file: 'demo.lua', line: 2, shared: false });
  });

  it('refuses an include with a top-level statement, which leaving out could change what a script does', () => {
    INCLUDES.effect = 'local count = 0\ncount = count + 1\nlocal function get()\n  return count\nend';
    expect(() => assembleLines('demo', '--- @include "effect"\nreturn get()', read)).toThrow(LuaSourceError);
    expect(() => assembleLines('demo', '--- @include "effect"\nreturn get()', read)).toThrow(/includes\/effect\.lua:2: a top-level line that is not a definition/);
    expect(() => assembleLines('demo', '--- @include "base"\n--- @include "base"\nreturn 1', read)).toThrow(/include "base" twice/);
  });

  it('assembles every script of the store', () => {
    const names = readdirSync(new URL('../../src/store/scripts/', import.meta.url)).filter((file) => file.endsWith('.lua'));
    expect(names.length).toBeGreaterThan(15);
    for (const file of names) {
      const lines = scriptLines(file.replace(/\.lua$/, ''));
      expect(lines.some((line) => !line.shared)).toBe(true);
    }
    // complete-step, a chain's hop, takes a few of its includes' functions, not all of them.
    const step = scriptLines('complete-step').map((line) => line.text);
    expect(step).toContain('local function succeededText(raw, finishedAt, span)');
    expect(step.some((line) => line.startsWith('local function specRouting('))).toBe(false);
  });
});
