import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ArgsValidationError,
  chain,
  ConfigError,
  group,
  NotJsonError,
  PayloadTooLargeError,
  CanvasTooLargeError,
  RunExistsError,
  Signature,
  UnknownTaskError,
} from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('submit refuses bad input with a typed error and writes nothing', () => {
  const makeApp = useApps();
  const redis = useRedis();

  async function expectNothingWritten(app: ReturnType<typeof makeApp>): Promise<void> {
    expect(await keysOf(redis(), app)).toEqual([]);
  }

  it('args failing the schema of a fully bound node', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const error = await app.submit(chain(add.s(1, 'two' as never), add.s(3))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as ArgsValidationError).code).toBe('ARGS_INVALID');
    expect((error as Error).message).toBe(
      'chain[0] > add: arguments of task "add" are invalid: args[1]: Invalid input: expected number, received string',
    );
    await expectNothingWritten(app);
  });

  it('args of a partial signature are checked against the rest of the tuple', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const error = await app.submit(chain(add.s(1, 2), add.s('x' as never))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toContain('chain[1] > add');
    expect((error as Error).message).toContain('args[1]: Invalid input: expected number');
    await expectNothingWritten(app);
  });

  it('wrong arity for a fully bound node', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    // @ts-expect-error tsc catches this too; JavaScript callers (and casts) reach the runtime check
    const error = await app.submit(group(add.si(1, 2), add.si(1))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toBe(
      'group[1] > add: arguments of task "add" are invalid: args: Too small: expected array to have >=2 items',
    );
    await expectNothingWritten(app);
  });

  it('wrong arity is found from the handler when there is no schema', async () => {
    const app = makeApp();
    const pair = app.task({ name: 'pair' }, async (a: number, b: number) => [a, b]);
    const error = await app.submit(pair.s(1 as never)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toContain('takes at least 2 arguments');
    await expectNothingWritten(app);
  });

  it.each([
    ['a function', () => 1, 'args[0]: a function cannot be stored as JSON'],
    ['a BigInt', 10n, 'args[0]: a BigInt cannot be stored as JSON'],
  ])('values JSON cannot carry: %s', async (_name, value, message) => {
    const app = makeApp();
    const echo = app.task({ name: 'echo' }, async (input: unknown) => input);
    const error = await app.submit(echo.s(value)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotJsonError);
    expect((error as Error).message).toBe(`echo ${message}`);
    await expectNothingWritten(app);
  });

  it('circular references', async () => {
    const app = makeApp();
    const echo = app.task({ name: 'echo' }, async (input: unknown) => input);
    const circular: Record<string, unknown> = {};
    circular.me = circular;
    await expect(app.submit(chain(echo.s(1), echo.si(circular)))).rejects.toThrow(
      'chain[1] > echo args[0].me: circular reference cannot be stored as JSON',
    );
    await expectNothingWritten(app);
  });

  it('unknown task names, but a name from app.signature is allowed', async () => {
    const app = makeApp();
    // Made by hand, with no contract: the name is all submit has.
    const error = await app.submit(new Signature<never, number>('foreign', [], false, {}, false)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnknownTaskError);
    expect((error as UnknownTaskError).code).toBe('TASK_UNKNOWN');
    await expectNothingWritten(app);
    const run = await app.submit(app.signature('billing.charge', [42]));
    expect((await run.inspect()).nodes.map((node) => [node.task, node.status])).toEqual([['billing.charge', 'queued']]);
  });

  it('payloads over the size limit', async () => {
    const app = makeApp({ maxPayloadBytes: 100 });
    const echo = app.task({ name: 'echo', args: z.tuple([z.string()]) }, async (text) => text);
    const error = await app.submit(echo.s('x'.repeat(200))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).bytes).toBe(204);
    expect((error as Error).message).toBe('echo args: encodes to 204 bytes, over the limit of 100 (maxPayloadBytes)');
    await expectNothingWritten(app);
  });

  it('canvases over the node or byte limit', async () => {
    const app = makeApp({ maxCanvasNodes: 100, maxCanvasBytes: 2000 });
    const { add, tsum } = canvasTasks(app);
    const tooMany = await app.submit(chain(group(Array.from({ length: 100 }, (_, index) => add.si(index, 1))), tsum.s())).catch((caught: unknown) => caught);
    expect(tooMany).toBeInstanceOf(CanvasTooLargeError);
    expect(tooMany).toMatchObject({ code: 'CANVAS_TOO_LARGE', measure: 'nodes', size: 101, limit: 100, partial: true });
    expect((tooMany as Error).message).toBe('the canvas has more than maxCanvasNodes (100) nodes (refused at node 101, before compiling the rest)');
    await expectNothingWritten(app);

    // 99 nodes pass the count; their specs together are over 2,000 bytes.
    const tooBig = await app.submit(chain(group(Array.from({ length: 98 }, (_, index) => add.si(index, 1))), tsum.s())).catch((caught: unknown) => caught);
    expect(tooBig).toMatchObject({ code: 'CANVAS_TOO_LARGE', measure: 'bytes', limit: 2000 });
    expect((tooBig as CanvasTooLargeError).size).toBeGreaterThan(2000);
    await expectNothingWritten(app);

    // Just under both limits, it goes through.
    const fits = await app.submit(chain(group(Array.from({ length: 20 }, (_, index) => add.si(index, 1))), tsum.s()));
    expect((await fits.inspect()).nodes).toHaveLength(21);
    expect(() => makeApp({ maxCanvasNodes: 0 })).toThrow(/maxCanvasNodes/);
  });

  it('bad options', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    expect(() => add.s(1, 1).set({ priority: 12 })).toThrow(ConfigError);
    expect(() => add.s(1, 1).set({ priority: 12 })).toThrow('add.set().priority: Too big: expected number to be <=9');
    expect(() => add.s(1, 1).set({ queue: 'a{b}' })).toThrow(/queue: must not contain braces/);
    await expect(app.submit(add.s(1, 1), { id: 'no spaces allowed' })).rejects.toThrow(ConfigError);
    await expectNothingWritten(app);
  });

  it('a second submit with the same id fails and leaves the first run as it was', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.submit(add.s(1, 1), { id: 'fixed-id', name: 'first' });
    const before = await keysOf(redis(), app);
    await expect(app.submit(chain(add.s(2, 2), add.s(3)), { id: 'fixed-id' })).rejects.toThrow(RunExistsError);
    expect(await keysOf(redis(), app)).toEqual(before);
    const inspection = await app.getRun('fixed-id').inspect();
    expect(inspection.name).toBe('first');
    expect(inspection.nodes).toHaveLength(1);
  });
});
