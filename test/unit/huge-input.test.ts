import { describe, expect, it } from 'vitest';
import {
  type AnyCanvas,
  CanvasTooLargeError,
  chain,
  Chain,
  createApp,
  group,
  NestingTooDeepError,
} from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { MAX_CANVAS_DEPTH, MAX_VALUE_DEPTH } from '../../src/graph/limits.js';
import { encodeJson } from '../../src/util/json.js';
import { canvasTasks } from '../helpers/tasks.js';

// No Redis here: every refusal happens before submit opens a connection.
const app = createApp({ prefix: 'unit-huge' });
const { add, identity } = canvasTasks(app);

/** `levels` arrays inside each other around a number. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

describe('building a long chain', () => {
  it('chain() takes an array like group() does', () => {
    const steps = [add.s(1, 1), add.s(2), add.s(3)];
    expect(chain(steps).steps).toEqual(steps);
    expect(chain([add.s(1, 1)]).steps).toHaveLength(1);
    expect(() => chain([])).toThrow(/at least one step/);
    expect(() => chain([add.s(1, 1), 3 as never])).toThrow(/chain\(\) steps\[1\]: expected a signature/);
  });

  it('c = chain(c, step) in a loop of 100,000 steps is linear (quadratic copying would take minutes)', () => {
    // A chain built at run time is typed as any canvas: the array form takes it unchecked.
    let built: AnyCanvas = add.s(0, 0);
    for (let index = 1; index < 100_000; index++) built = chain<AnyCanvas[]>([built, add.s(1) as AnyCanvas]);
    expect(built).toBeInstanceOf(Chain);
    expect((built as Chain<never, unknown>).steps).toHaveLength(100_000);
    const { nodes } = compileCanvas(built);
    expect(nodes).toHaveLength(100_000);
    expect(nodes[99_999]).toMatchObject({ input: { node: '99998' }, waiting: 1 });
  });

  it('extending a chain never changes it, nor a chain extended from it before', () => {
    const base = chain(add.s(1, 1), add.s(2));
    const longer = chain(base, add.s(3));
    const other = chain(base, add.s(4), add.s(5));
    const longest = chain(longer, add.s(6));
    expect(base.steps.map((step) => (step as unknown as { args: unknown[] }).args)).toEqual([[1, 1], [2]]);
    expect(longer.steps.map((step) => (step as unknown as { args: unknown[] }).args)).toEqual([[1, 1], [2], [3]]);
    expect(other.steps.map((step) => (step as unknown as { args: unknown[] }).args)).toEqual([[1, 1], [2], [4], [5]]);
    expect(longest.steps.map((step) => (step as unknown as { args: unknown[] }).args)).toEqual([[1, 1], [2], [3], [6]]);
  });

  it('a hand-made Chain keeps its own array: chain() never appends to it', () => {
    const steps: AnyCanvas[] = [add.s(1, 1)];
    const made = new Chain(steps);
    chain(made, identity.s());
    expect(steps).toHaveLength(1);
    expect(made.steps).toHaveLength(1);
  });
});

describe('a canvas over maxCanvasNodes', () => {
  it('is refused during the walk, at the first node over the limit', () => {
    const members = Array.from({ length: 1_000_000 }, (_, index) => identity.si(index));
    const error = (() => {
      try {
        compileCanvas(group(members), { maxNodes: 250_000 });
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(CanvasTooLargeError);
    expect(error).toMatchObject({ measure: 'nodes', size: 250_001, limit: 250_000, partial: true });
  });

  it('app.submit refuses it with the typed error before writing anything', async () => {
    const small = createApp({ prefix: 'unit-huge', maxCanvasNodes: 1000 });
    const members = Array.from({ length: 100_000 }, (_, index) => identity.si(index));
    // identity is registered on `app`; `small` knows it by name only through app.signature.
    const canvas = group(members.map((_, index) => small.signature('identity', [index])));
    await expect(small.submit(canvas)).rejects.toMatchObject({ code: 'CANVAS_TOO_LARGE', size: 1001, partial: true });
    await small.close();
  });
});

describe('nesting too deep for the stack', () => {
  it('args nested 10,000 levels deep are refused at submit with NestingTooDeepError', async () => {
    const deep = nested(10_000);
    const error = await app.submit(identity.s(deep)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NestingTooDeepError);
    expect(error).toMatchObject({ code: 'NESTING_TOO_DEEP', what: 'value', limit: MAX_VALUE_DEPTH });
    expect((error as Error).message).toMatch(/^identity args\[0\]\[0\]/);
  });

  it('a value at the limit is accepted; one level more is refused', () => {
    expect(() => encodeJson(nested(MAX_VALUE_DEPTH), 'value')).not.toThrow();
    expect(() => encodeJson(nested(MAX_VALUE_DEPTH + 1), 'value')).toThrow(NestingTooDeepError);
    let object: unknown = 1;
    for (let level = 0; level < MAX_VALUE_DEPTH + 1; level++) object = { inner: object };
    expect(() => encodeJson(object, 'value')).toThrow(/value\.inner\.inner.*nested more than 256 levels/);
  });

  it('a canvas nested 10,000 levels deep is refused at submit with NestingTooDeepError', async () => {
    let canvas: AnyCanvas = identity.si(0);
    for (let level = 0; level < 10_000; level++) canvas = group(chain<AnyCanvas[]>([identity.si(level), canvas]), identity.si(level));
    const error = await app.submit(canvas).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NestingTooDeepError);
    expect(error).toMatchObject({ code: 'NESTING_TOO_DEEP', what: 'canvas', limit: MAX_CANVAS_DEPTH });
  });

  it(`a canvas ${MAX_CANVAS_DEPTH} levels deep compiles`, () => {
    let canvas: AnyCanvas = identity.si(0);
    // Each level is a group holding a chain: two containers.
    for (let level = 0; level < MAX_CANVAS_DEPTH / 2; level++) canvas = group(chain<AnyCanvas[]>([identity.si(level), canvas]), identity.si(level));
    expect(() => compileCanvas(canvas)).not.toThrow();
    expect(() => compileCanvas(chain<AnyCanvas[]>([identity.si(0), canvas]))).toThrow(NestingTooDeepError);
  });
});
