import { readFileSync } from 'node:fs';
import { LUA_PRELUDE } from '../../src/store/lua-constants.js';
import { describe, expect, it } from 'vitest';
import type { NodeSpec } from '../../src/graph/spec.js';
import type { InputTemplate } from '../../src/graph/template.js';
import { parseSpec, type SpecFields, SpecWriter } from '../../src/store/spec-format.js';
import { useRedis } from '../helpers/apps.js';

/**
 * The spec format's contract: every shape of spec the TypeScript writer makes is read by the Lua
 * reader (scripts/includes/spec.lua, every function of it) as the TypeScript reader reads it.
 * The Lua side runs in a test-only script made of the includes the real scripts inline.
 */
const includes = new URL('../../src/store/scripts/includes/', import.meta.url);
const READER_SCRIPT = `${LUA_PRELUDE}${readFileSync(new URL('common.lua', includes), 'utf8')}
${readFileSync(new URL('spec.lua', includes), 'utf8')}
local out = {}
for index = 1, #ARGV, 2 do
  local raw, probe = ARGV[index], ARGV[index + 1]
  local next, nextQueues = specRouting(raw)
  local spec = decodeSpec(raw)
  local queue, priority = specQueueAndPriority(raw)
  local forStart = specForStart(raw)
  out[#out + 1] = {
    routing = { next = next or false, nextQueues = nextQueues or false },
    task = specTask(raw),
    spec = spec,
    hop = specHop(raw) or false,
    readsOnly = specReadsOnly(raw, probe),
    queue = queue,
    priority = priority,
    startReadsInput = forStart.input ~= nil or forStart.inputDeferred == true,
  }
end
return cjson.encode(out)
`;

interface LuaReading {
  readonly routing: { readonly next: string[] | false; readonly nextQueues: string[] | false };
  readonly task: string;
  readonly spec: NodeSpec & { readonly inputDeferred?: boolean };
  readonly hop: string | false;
  readonly readsOnly: boolean;
  readonly queue: string;
  readonly priority: number;
  readonly startReadsInput: boolean;
}

const BASE: SpecFields = {
  input: undefined, spread: false, branches: null, task: 'noop', argsJson: '[5]', queue: 'default', priority: 0, countdownMs: 0, etaMs: 0, after: [], next: [], nextQueues: null, hop: false,
};

/** A template of `count` nodes with even ids: a list (not a range), so it stays long. */
function evenNodes(count: number): InputTemplate {
  return { list: Array.from({ length: count }, (_, index) => ({ node: String(index * 2) })) };
}

const SHAPES: readonly (readonly [string, Partial<SpecFields>, string?])[] = [
  ['no dependants', {}],
  ['one dependant', { next: ['100000'] }],
  ['one dependant, a hop', { next: ['100000'], hop: true }],
  ['a chain step, its dependant a hop', { input: { node: '7' }, next: ['9'], hop: true }, '7'],
  ['many dependants', { next: ['1', '2', '30'] }],
  ['dependants on two queues', { next: ['1', '2'], nextQueues: ['default', 'other'] }],
  ['one dependant on another queue', { next: ['9'], nextQueues: ['other'] }],
  ['a dependant queue with a quote and a backslash', { next: ['1', '2'], nextQueues: ['default', 'o"th\\er'] }],
  ['an input of one node', { input: { node: '7' }, next: ['8'] }, '7'],
  ['an input of one node, probed with another', { input: { node: '7' } }, '70'],
  ['an input of one node, on a queue', { input: { node: '7' }, queue: 'q' }, '7'],
  ['an input of one node, with a priority', { input: { node: '7' }, priority: 3 }, '7'],
  ['an input list', { input: { list: [{ node: '1' }, { range: [3, 2] }, { list: [] }] } }, '1'],
  ['an input range', { input: { range: [0, 100_000] }, task: 'sum', argsJson: '[]' }],
  ['a template over 64 KiB', { input: evenNodes(8000), next: ['16001'] }],
  ['a template over 64 KiB, dependants on a quoted queue', { input: evenNodes(8000), next: ['1'], nextQueues: ['a"b'] }],
  ['args over 64 KiB, no input', { argsJson: JSON.stringify(['x'.repeat(70_000)]) }],
  ['a queue', { queue: 'other' }],
  ['a priority', { priority: 9 }],
  ['a countdown', { countdownMs: 1500 }],
  ['an eta', { etaMs: 1_765_432_109_876 }],
  ['after', { after: ['3', '4'], input: { node: '2' } }, '2'],
  ['a dag join: its input spread', { input: { list: [{ node: '4' }, { node: '2' }] }, spread: true, next: ['5'] }, '2'],
  ['a dag join spread over a range, with after', { input: { range: [1, 2] }, spread: true, after: ['0'] }, '1'],
  ['a when\'s decider', { input: { node: '0' }, branches: [2, 3, 5, 1], next: ['2', '5', '6'] }, '0'],
  ['what follows a when', { input: { when: '1', then: { range: [2, 3] }, else: { node: '0' } } }, '1'],
  ['every option', { queue: 'q', priority: 2, countdownMs: 10, etaMs: 20, after: ['1'], next: ['5'], nextQueues: ['z'] }],
  ['a task name with a quote', { task: 'a"b', next: ['1'] }],
  ['a task name with a backslash', { task: 'back\\slash', input: { range: [1, 2] } }],
  ['a task name with non-ASCII and a control character', { task: 'tâche\u0001✓' }],
  ['a task name that looks like a spec', { task: '"],{"node":"1"}]]', input: { node: '1' } }, '1'],
  ['args that look like a spec', { argsJson: JSON.stringify(['"1",0,', { node: '1' }, ']]', { queue: 'x' }]), input: { node: '1' } }, '1'],
  ['args ending in an object', { argsJson: '[{"priority":5}]' }],
  ['empty args', { argsJson: '[]', next: ['2'] }],
];

/** cjson writes an empty Lua table as {}: the same as [] for this comparison. */
function normalized(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return [];
    return Object.fromEntries(entries.map(([key, item]) => [key, normalized(item)]));
  }
  return value;
}

describe('spec format: the Lua reader and the TypeScript reader agree', () => {
  const redis = useRedis();

  it('on every shape of spec the writer makes', async () => {
    const writer = new SpecWriter();
    const raws = SHAPES.map(([, fields]) => writer.encode({ ...BASE, ...fields }));
    const args = SHAPES.flatMap(([, , probe], index) => [raws[index]!, probe ?? '0']);
    const readings = JSON.parse((await redis().eval(READER_SCRIPT, 0, ...args)) as string) as LuaReading[];
    expect(readings).toHaveLength(SHAPES.length);

    SHAPES.forEach(([label, fields, probe], index) => {
      const raw = raws[index]!;
      const lua = readings[index]!;
      const ts = parseSpec(raw);
      const all: SpecFields = { ...BASE, ...fields };
      // The TypeScript reader gives back what was written.
      expect(ts, label).toEqual({
        task: all.task,
        args: JSON.parse(all.argsJson) as unknown[],
        queue: all.queue,
        ...(all.input ? { input: all.input } : {}),
        ...(all.spread ? { spread: true } : {}),
        ...(all.branches ? { branches: all.branches } : {}),
        ...(all.priority ? { priority: all.priority } : {}),
        ...(all.countdownMs ? { countdownMs: all.countdownMs } : {}),
        ...(all.etaMs ? { etaMs: all.etaMs } : {}),
        ...(all.after.length > 0 ? { after: all.after } : {}),
        ...(all.next.length > 0 ? { next: all.next, nextQueues: all.nextQueues ?? ['default'] } : {}),
        ...(all.hop ? { hop: true } : {}),
      });
      // The Lua reader's every function agrees with it.
      expect(lua.routing, label).toEqual({ next: ts.next ?? false, nextQueues: ts.nextQueues ?? false });
      expect(lua.task, label).toBe(ts.task);
      expect(lua.queue, label).toBe(ts.queue);
      expect(lua.priority, label).toBe(ts.priority ?? 0);
      expect(lua.startReadsInput, label).toBe(ts.input !== undefined);
      expect(lua.hop, label).toBe(ts.hop === true ? ts.next![0]! : false);
      const readsOnly =
        ts.input !== undefined && 'node' in ts.input && ts.input.node === probe &&
        ts.queue === 'default' && !ts.priority && !ts.countdownMs && !ts.etaMs && !ts.after && !ts.spread && !ts.branches;
      expect(lua.readsOnly, label).toBe(readsOnly);
      // decodeSpec: the same spec, but a template of a spec over 64 KiB, which it defers when it can,
      // and no hop mark (only the worker reads it; complete-step checks the states itself).
      const { inputDeferred, ...decoded } = lua.spec;
      const { hop: _hop, ...tsRead } = ts;
      if (inputDeferred) {
        expect(raw.length, label).toBeGreaterThanOrEqual(65_536);
        const { input: _input, ...rest } = tsRead;
        expect(normalized(decoded), label).toEqual(normalized(rest));
      } else {
        expect(normalized(decoded), label).toEqual(normalized(tsRead));
      }
    });
    // The large template is deferred when its route reads by position.
    expect(readings[SHAPES.findIndex(([label]) => label === 'a template over 64 KiB')]!.spec.inputDeferred).toBe(true);
  });

  it('keeps a wide group member small', () => {
    const spec = new SpecWriter().encode({ ...BASE, next: ['100000'] });
    expect(spec).toBe('["100000",0,"noop",[5]]');
  });

  it('refuses stored specs of another layout', () => {
    expect(() => parseSpec('{"task":"noop","args":[]}')).toThrow(/malformed/);
    expect(() => parseSpec('["",0,"noop",{}]')).toThrow(/malformed/);
    expect(() => parseSpec('[1,0,"noop",[]]')).toThrow(/malformed/);
    expect(() => parseSpec('["",{"nodes":"1"},"noop",[]]')).toThrow();
  });
});
