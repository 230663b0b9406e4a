/**
 * Random invalid canvases: one bad piece (a "poison") put at a random place in an otherwise
 * valid random canvas, or a canvas with no task at all. Each poison knows the typed error submit
 * must refuse it with. Pieces the builders would refuse at once (a group member that is not a
 * canvas, a chain with no step) are made by hand with the exported classes, as a JavaScript
 * caller or a cast can; the engine must still catch them at submit.
 */
import fc from 'fast-check';
import {
  type AnyCanvas,
  ArgsValidationError,
  CanvasValidationError,
  type CeleriacError,
  Chain,
  Chord,
  chain,
  chord,
  group,
  Group,
  NotJsonError,
  PayloadTooLargeError,
  UnknownTaskError,
} from '../../src/index.js';
import { type BuildEnv, buildCanvas, countSlots, shapeArbitrary } from './canvas-arbitraries.js';
import { jsonArbitrary, type LooseTask } from './property-tasks.js';

export interface PoisonEnv extends BuildEnv {
  /** Signatures of a task unknown to the app that submits (made by hand, with no contract). */
  readonly foreign: LooseTask;
  /** The submitting app's maxPayloadBytes. */
  readonly payloadLimit: number;
}

type Built = { readonly canvas: AnyCanvas; readonly text: string };

export interface Expected {
  readonly error: abstract new (...args: never[]) => CeleriacError;
  readonly code: string;
  /** What the message must say (where the problem is, or what it is). */
  readonly message: RegExp;
}

export interface InvalidCase {
  readonly expected: Expected;
  /** Fresh objects on every call (a cyclic poison cannot be copied). */
  readonly build: () => Built;
}

interface Poison {
  readonly expected: Expected;
  readonly make: () => Built;
}

const canvasInvalid = (message: RegExp): Expected => ({ error: CanvasValidationError, code: 'CANVAS_INVALID', message });

function show(value: unknown): string {
  return JSON.stringify(value);
}

function regexpEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A chain with no step; wrapped so that a parent chain() cannot splice it away. (`as never`
 * here and below: chord()'s types check a body against its header, which loose canvases fail.)
 */
function emptyChain(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  return fc.constantFrom('member', 'body').map((where) => (): Poison => ({
    expected: canvasInvalid(/a chain needs at least one step/),
    make: () =>
      where === 'member'
        ? { canvas: group(new Chain([])), text: 'group(new Chain([]))' }
        : { canvas: chord([], new Chain([]) as never), text: 'chord([], new Chain([]))' },
  }));
}

/** A value that is not a canvas where a canvas belongs (`add` instead of `add.s()`, a number...). */
function notACanvas(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  const values = fc.constantFrom<[string, (env: PoisonEnv) => unknown]>(
    ['42', () => 42],
    ['"add"', () => 'add'],
    ['null', () => null],
    ['undefined', () => undefined],
    ['[]', () => []],
    ['{}', () => ({})],
    ['() => 1', () => () => 1],
    ['add (the task, not add.s())', (env) => env.tasks['prop.add']],
  );
  const containers = fc.constantFrom('group', 'chain', 'body');
  return fc.tuple(values, containers).map(([[label, value], container]) => (env: PoisonEnv): Poison => ({
    expected: canvasInvalid(/expected a signature, chain, group, chord, dag, when or map, got /),
    make: () => {
      const bad = value(env) as AnyCanvas;
      if (container === 'group') return { canvas: new Group([bad]), text: `new Group([${label}])` };
      if (container === 'chain') return { canvas: new Chain([bad]), text: `new Chain([${label}])` };
      return { canvas: new Chord(group(), bad), text: `new Chord(group(), ${label})` };
    },
  }));
}

/** A canvas that contains itself, directly or through a chain, a group or a chord. */
function cycle(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  const kinds = fc.constantFrom('chain-self', 'group-self', 'group-via-chain', 'chord-via-body', 'header-self');
  return kinds.map((kind) => (env: PoisonEnv): Poison => ({
    expected: canvasInvalid(/contains itself/),
    make: () => {
      const one = env.tasks['prop.identity'].si(1);
      const two = env.tasks['prop.identity'].si(2);
      const parts: AnyCanvas[] = [one];
      switch (kind) {
        case 'chain-self': {
          const looped = new Chain(parts);
          parts.push(looped);
          return { canvas: looped, text: 'c = new Chain([identity.si(1), c])' };
        }
        case 'group-self': {
          const looped = new Group(parts);
          parts.push(looped);
          return { canvas: looped, text: 'g = new Group([identity.si(1), g])' };
        }
        case 'group-via-chain': {
          const looped = new Group(parts);
          parts.push(chain(two, looped));
          return { canvas: looped, text: 'g = new Group([identity.si(1), chain(identity.si(2), g)])' };
        }
        case 'chord-via-body': {
          const body = new Chain(parts);
          const looped = chord([two], body as never);
          parts.push(looped);
          return { canvas: looped, text: 'c = chord([identity.si(2)], new Chain([identity.si(1), c]))' };
        }
        default: {
          const header = new Group(parts);
          parts.push(header);
          return {
            canvas: new Chord(header, two),
            text: 'h = new Group([identity.si(1), h]); new Chord(h, identity.si(2))',
          };
        }
      }
    },
  }));
}

/** A signature of a task this app has not registered (a name from app.signature would be fine). */
function unknownTask(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  return fc.boolean().map((immutable) => (env: PoisonEnv): Poison => ({
    expected: { error: UnknownTaskError, code: 'TASK_UNKNOWN', message: /task "prop\.elsewhere" is not registered/ },
    make: () => ({
      canvas: immutable ? env.foreign.si(1) : env.foreign.s(1),
      text: `elsewhere.${immutable ? 'si' : 's'}(1)`,
    }),
  }));
}

/** Values JSON would change or drop, each made fresh; `at` is where the problem is inside it. */
const NOT_JSON: readonly { label: string; make: () => unknown; at: string; inObject: boolean }[] = [
  { label: '() => 1', make: () => () => 1, at: '', inObject: true },
  { label: '10n', make: () => 10n, at: '', inObject: true },
  { label: 'NaN', make: () => Number.NaN, at: '', inObject: true },
  { label: 'Infinity', make: () => Infinity, at: '', inObject: true },
  { label: '-Infinity', make: () => -Infinity, at: '', inObject: true },
  { label: 'Symbol("s")', make: () => Symbol('s'), at: '', inObject: true },
  // JSON.stringify drops an undefined property (allowed) but writes null for one in an array.
  { label: 'undefined', make: () => undefined, at: '', inObject: false },
  { label: 'new Map([[1, 2]])', make: () => new Map([[1, 2]]), at: '', inObject: true },
  { label: 'new Set([1])', make: () => new Set([1]), at: '', inObject: true },
  { label: 'new Point()', make: () => new Point(), at: '', inObject: true },
  { label: 'o = { self: o }', make: () => circularObject(), at: '.self', inObject: true },
  { label: 'a = [1, a]', make: () => circularArray(), at: '[1]', inObject: true },
];

class Point {
  readonly x = 1;
}

function circularObject(): unknown {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
}

function circularArray(): unknown {
  const value: unknown[] = [1];
  value.push(value);
  return value;
}

/** Arguments that are not JSON, at a random argument position and nesting. */
function notJson(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  return fc
    .record({
      bad: fc.constantFrom(...NOT_JSON),
      wrapping: fc.array(fc.constantFrom('array', 'object'), { maxLength: 2 }),
      before: fc.array(jsonArbitrary, { maxLength: 2 }),
      after: fc.array(jsonArbitrary, { maxLength: 1 }),
      immutable: fc.boolean(),
      byName: fc.boolean(),
    })
    .map(({ bad, wrapping, before, after, immutable, byName }) => (env: PoisonEnv): Poison => {
      // Innermost wrapper first; an object wrapper around undefined would make it valid.
      const wrappers = bad.inObject ? wrapping : wrapping.map(() => 'array');
      const at = `args[${before.length}]${wrappers.map((w) => (w === 'array' ? '[0]' : '.k')).reverse().join('')}${bad.at}`;
      const label = wrappers.reduce((text, w) => (w === 'array' ? `[${text}]` : `{ k: ${text} }`), bad.label);
      return {
        expected: { error: NotJsonError, code: 'VALUE_NOT_JSON', message: new RegExp(`${regexpEscape(at)}: `) },
        make: () => {
          const value = wrappers.reduce<unknown>((inner, w) => (w === 'array' ? [inner] : { k: inner }), bad.make());
          const args = [...before, value, ...after];
          const shown = [...before.map(show), label, ...after.map(show)].join(', ');
          if (byName) {
            return {
              canvas: env.app.signature('prop.collect', args, { immutable }),
              text: `app.signature("prop.collect", [${shown}]${immutable ? ', { immutable: true }' : ''})`,
            };
          }
          const collect = env.tasks['prop.collect'];
          return {
            canvas: immutable ? collect.si(...args) : collect.s(...args),
            text: `collect.${immutable ? 'si' : 's'}(${shown})`,
          };
        },
      };
    });
}

/** Arguments over maxPayloadBytes, in characters of 1 to 4 bytes (the limit is in bytes). */
function tooLarge(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  return fc
    .record({ char: fc.constantFrom('x', 'é', '€', '😀'), extra: fc.nat(40), immutable: fc.boolean() })
    .map(({ char, extra, immutable }) => (env: PoisonEnv): Poison => {
      const count = Math.floor(env.payloadLimit / Buffer.byteLength(char)) + 1 + extra;
      return {
        expected: { error: PayloadTooLargeError, code: 'PAYLOAD_TOO_LARGE', message: /collect args: encodes to \d+ bytes/ },
        make: () => {
          const text = char.repeat(count);
          const collect = env.tasks['prop.collect'];
          return {
            canvas: immutable ? collect.si(text) : collect.s(text),
            text: `collect.${immutable ? 'si' : 's'}(${JSON.stringify(char)}.repeat(${count}))`,
          };
        },
      };
    });
}

/** Arguments the task cannot take, wherever the signature is (so whatever it receives). */
function badArgs(): fc.Arbitrary<(env: PoisonEnv) => Poison> {
  const cases = fc.constantFrom<[string, (tasks: PoisonEnv['tasks']) => AnyCanvas]>(
    ['add.si(1)', (t) => t['prop.add'].si(1)],
    ['add.si(1, "two")', (t) => t['prop.add'].si(1, 'two')],
    ['add.s(1, 2, 3)', (t) => t['prop.add'].s(1, 2, 3)],
    ['pair.si(1)', (t) => t['prop.pair'].si(1)],
    ['mul.si()', (t) => t['prop.mul'].si()],
    ['label.si(1, 2)', (t) => t['prop.label'].si(1, 2)],
  );
  return cases.map(([text, make]) => (env: PoisonEnv): Poison => ({
    expected: { error: ArgsValidationError, code: 'ARGS_INVALID', message: /arguments of task "prop\.\w+" are invalid/ },
    make: () => ({ canvas: make(env.tasks), text }),
  }));
}

/** Canvases with no task at all: empty groups, nested in chains, groups and chords. */
function noTask(): fc.Arbitrary<readonly string[]> {
  // Kept as a tiny program (a list of steps) so that it shrinks and prints simply.
  return fc.array(fc.constantFrom('group', 'chain', 'chord', 'group-of'), { maxLength: 4 });
}

function buildNoTask(steps: readonly string[]): Built {
  return steps.reduce<Built>(wrapEmpty, { canvas: group(), text: 'group()' });
}

function wrapEmpty(inner: Built, step: string): Built {
  switch (step) {
    case 'group':
      return { canvas: group(inner.canvas), text: `group(${inner.text})` };
    case 'chain':
      return { canvas: chain(inner.canvas, group()), text: `chain(${inner.text}, group())` };
    case 'chord':
      return { canvas: chord([inner.canvas], group() as never), text: `chord([${inner.text}], group())` };
    default:
      return { canvas: group([inner.canvas, group()]), text: `group([${inner.text}, group()])` };
  }
}

function described(expected: Expected, build: () => Built): InvalidCase & fc.WithToStringMethod {
  return { expected, build, [fc.toStringMethod]: () => build().text };
}

/** Random invalid canvases with the error submit must refuse each with. */
export function invalidCaseArbitrary(env: PoisonEnv): fc.Arbitrary<InvalidCase> {
  const poison = fc.oneof(emptyChain(), notACanvas(), cycle(), unknownTask(), notJson(), tooLarge(), badArgs());
  const embedded = fc
    .tuple(shapeArbitrary({ maxSignatures: 12, maxDepth: 3 }), poison, fc.nat())
    .map(([shape, makePoison, seed]) => {
      const { expected, make } = makePoison(env);
      const slot = seed % countSlots(shape);
      return described(expected, () => buildCanvas(shape, env, { slot, make }));
    });
  const empty = noTask().map((steps) => described(canvasInvalid(/has no task to run/), () => buildNoTask(steps)));
  return fc.oneof({ weight: 6, arbitrary: embedded }, { weight: 1, arbitrary: empty });
}
