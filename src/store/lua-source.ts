import { readFileSync } from 'node:fs';
import { LUA_PRELUDE } from './lua-constants.js';

/**
 * The text Redis runs for one script: the constants prelude, then the script with each
 * `--- @include "x"` line replaced by `scripts/includes/x.lua`, then cut down to what the script
 * uses. Lua makes a closure of every `local function` and a table of every table constructor each
 * time a script runs, so a definition the script never reaches is paid for on every call: the
 * prelude and the includes keep only the top-level definitions the script's own lines reach,
 * directly or through other kept definitions. script.ts sends this text; scripts/lint-lua.mjs
 * lints the same lines, so a definition dropped wrongly is an undefined name to luacheck.
 */

/** One line of an assembled script and where it came from. */
export interface LuaLine {
  readonly text: string;
  /** `prelude` (lua-constants.ts), `includes/<x>.lua` or `<script>.lua`, under src/store/scripts. */
  readonly file: string;
  /** 1-based, in `file` (in the prelude's text for `prelude`). */
  readonly line: number;
  /** The prelude or an include, as opposed to the script's own lines. */
  readonly shared: boolean;
}

/** Thrown at load time for a script or include this module cannot assemble safely. */
export class LuaSourceError extends Error {
  override readonly name = 'LuaSourceError';
}

const scriptsDirectory = new URL('./scripts/', import.meta.url);
/** A line that brings in `scripts/includes/<name>.lua`. */
export const INCLUDE_LINE = /^--- @include "([a-z-]+)"$/;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/g;

/** The assembled lines of `scripts/<name>.lua`, shared definitions it does not reach left out. */
export function scriptLines(name: string): LuaLine[] {
  return assembleLines(name, readFileSync(new URL(`${name}.lua`, scriptsDirectory), 'utf8'), (include) =>
    readFileSync(new URL(`includes/${include}.lua`, scriptsDirectory), 'utf8'),
  );
}

/** scriptLines for a script's text and a reader of its includes' texts. */
export function assembleLines(name: string, source: string, readInclude: (include: string) => string): LuaLine[] {
  const own: LuaLine[] = [];
  const shared: LuaLine[] = splitLines(LUA_PRELUDE).map((text, index) => ({ text, file: 'prelude', line: index + 1, shared: true }));
  const included = new Set<string>();
  splitLines(source).forEach((text, index) => {
    const include = INCLUDE_LINE.exec(text)?.[1];
    if (include === undefined) {
      own.push({ text, file: `${name}.lua`, line: index + 1, shared: false });
      return;
    }
    // Includes go ahead of the script's own lines, in the order the script names them; every
    // script names them before its first statement, and an include only defines.
    if (included.has(include)) throw new LuaSourceError(`${name}.lua:${index + 1}: include "${include}" twice`);
    included.add(include);
    const file = `includes/${include}.lua`;
    splitLines(readInclude(include)).forEach((includeText, includeIndex) => {
      shared.push({ text: includeText, file, line: includeIndex + 1, shared: true });
    });
  });
  return [...reached(shared, own), ...own];
}

/** The text of scriptLines(name), as sent to Redis. */
export function scriptSource(name: string): string {
  return `${scriptLines(name).map((line) => line.text).join('\n')}\n`;
}

function splitLines(text: string): string[] {
  return text.replace(/\n$/, '').split('\n');
}

/** A top-level definition of the shared lines, with the comment lines just above it. */
interface Block {
  readonly lines: LuaLine[];
  /** The local names it defines; empty for `function T.m` (a member of owner). */
  readonly names: string[];
  readonly owner: string | null;
}

/**
 * The shared lines the script reaches. A top-level definition starts at column 0 with `local`
 * or `function` and runs to the next one; any other column-0 line must be its `end`, a closing
 * bracket, a comment or an assignment to a field of a table it defined (`T.__index = T`), so that
 * nothing with an effect of its own is ever left out. Names are matched as words anywhere in a
 * kept line, comments and strings included: that can keep a definition that is not needed,
 * never drop one that is.
 */
function reached(shared: readonly LuaLine[], own: readonly LuaLine[]): LuaLine[] {
  const blocks = toBlocks(shared);
  const wanted = new Set<string>();
  const addNames = (lines: readonly LuaLine[]): void => {
    let inLongComment = false;
    for (const { text } of lines) {
      // Whole-line comments and a script's --[[ header ]] name things; they do not use them.
      if (inLongComment || /^\s*--\[\[/.test(text)) {
        inLongComment = !text.includes(']]');
        continue;
      }
      if (/^\s*--/.test(text)) continue;
      for (const word of text.match(NAME) ?? []) wanted.add(word);
    }
  };
  addNames(own);
  const kept = new Set<Block>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const block of blocks) {
      if (kept.has(block)) continue;
      const needed = block.owner !== null ? wanted.has(block.owner) : block.names.some((name) => wanted.has(name));
      if (!needed) continue;
      kept.add(block);
      addNames(block.lines);
      grew = true;
    }
  }
  return blocks.filter((block) => kept.has(block)).flatMap((block) => block.lines);
}

const LOCAL_START = /^local\s+(function\s+)?([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)/;
const MEMBER_START = /^function\s+([A-Za-z_][A-Za-z0-9_]*)[.:]/;
const CLOSING = /^(end|[})\]]+)[)},]*\s*(--.*)?$/;

function toBlocks(lines: readonly LuaLine[]): Block[] {
  const blocks: Block[] = [];
  let comments: LuaLine[] = [];
  for (const line of lines) {
    const { text } = line;
    const atStart = text.length > 0 && !/^\s/.test(text);
    if (text.startsWith('--') || text.trim() === '') {
      comments.push(line);
      continue;
    }
    const current = blocks.at(-1);
    if (!atStart) {
      if (!current) throw unrecognised(line);
      current.lines.push(...comments, line);
      comments = [];
      continue;
    }
    const local = LOCAL_START.exec(text);
    const member = MEMBER_START.exec(text);
    if (local?.[2] !== undefined) {
      const names = local[1] !== undefined ? [local[2]] : local[2].split(',').map((name) => name.trim());
      blocks.push({ lines: [...comments, line], names, owner: null });
    } else if (member?.[1] !== undefined) {
      blocks.push({ lines: [...comments, line], names: [], owner: member[1] });
    } else if (current && (CLOSING.test(text) || isFieldOf(text, current))) {
      current.lines.push(...comments, line);
    } else {
      throw unrecognised(line);
    }
    comments = [];
  }
  return blocks;
}

/** `T.x = …` where the block defined T. */
function isFieldOf(text: string, block: Block): boolean {
  const owner = /^([A-Za-z_][A-Za-z0-9_]*)\.[A-Za-z_][A-Za-z0-9_]*\s*=/.exec(text)?.[1];
  return owner !== undefined && block.names.includes(owner);
}

function unrecognised(line: LuaLine): LuaSourceError {
  return new LuaSourceError(
    `${line.file}:${line.line}: a top-level line that is not a definition ("${line.text.slice(0, 60)}"): ` +
      'the prelude and includes may only define (local, local function, function T.m), so that a script can leave out what it does not use',
  );
}
