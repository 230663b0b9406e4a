import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod3';
import {
  type App,
  ArgsValidationError,
  chain,
  ConfigError,
  group,
  type ArgsSchema,
  type Task,
  type WorkflowFailedError,
} from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';

/** The same task (pad a label to a width), its schemas made with each library. */
const libraries: readonly { name: string; args: ArgsSchema; result: StandardSchemaV1; bad: string }[] = [
  {
    name: 'zod 3',
    args: z3.tuple([z3.string(), z3.number().int().min(1)]),
    result: z3.string().max(8),
    bad: 'Number must be greater than or equal to 1',
  },
  {
    name: 'zod 4',
    args: z.tuple([z.string(), z.number().int().min(1)]),
    result: z.string().max(8),
    bad: 'Too small: expected number to be >=1',
  },
  {
    name: 'valibot',
    args: v.tuple([v.string(), v.pipe(v.number(), v.integer(), v.minValue(1))]),
    result: v.pipe(v.string(), v.maxLength(8)),
    bad: 'Invalid value: Expected >=1 but received 0',
  },
];

/** The table erases each library's types (those are checked in test/types/schemas.test-d.ts). */
function padTask(app: App, library: (typeof libraries)[number]): Task<[label: string, width: number], string> {
  const pad = app.task({ name: 'pad', args: library.args, result: library.result }, (label, width) =>
    String(label).padEnd(Number(width), '.'),
  );
  return pad as unknown as Task<[label: string, width: number], string>;
}

describe.each(libraries)('task schemas from $name', (library) => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a run whose args and result satisfy the schemas succeeds', async () => {
    const app = makeApp();
    const pad = padTask(app, library);
    await app.worker().start();
    const run = await app.submit(chain(pad.s('ab', 4), pad.s(6)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe('ab....');
  });

  it('bad bound args are refused at submit, naming the issue path, and nothing is written', async () => {
    const app = makeApp();
    const pad = padTask(app, library);
    const error = await app.submit(pad.s('ab', 0)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toBe(`pad: arguments of task "pad" are invalid: args[1]: ${library.bad}`);
    // The library's own issues are kept for programs, with their path.
    expect((error as ArgsValidationError).issues.map((issue) => issue.path?.map((part) => (typeof part === 'object' ? part.key : part)))).toEqual([[1]]);
    // A partial signature: its bound args start at position 1; position 0 is the parent's value.
    const partial = await app.submit(chain(pad.s('ab', 4), pad.s(0))).catch((caught: unknown) => caught);
    expect(partial).toBeInstanceOf(ArgsValidationError);
    expect((partial as Error).message).toBe(`chain[1] > pad: arguments of task "pad" are invalid: args[1]: ${library.bad}`);
    expect(await keysOf(redis(), app)).toEqual([]);
  });

  it('an upstream value that fails the args schema fails the node in the worker, before the handler', async () => {
    const app = makeApp();
    const seven = app.task({ name: 'seven' }, () => 7);
    await app.worker().start();
    // Only the worker can check the upstream value: it did not exist at submit.
    padTask(app, library);
    const run = await app.submit(chain(seven.s(), app.signature('pad', [4])));
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ name: 'ArgsValidationError', code: 'ARGS_INVALID' });
    expect(error.nodeError.message).toMatch(/^node 1: arguments of task "pad" are invalid: args\[0\]: /);
  });

  it('a result that fails the result schema fails the node with ResultValidationError', async () => {
    const app = makeApp();
    const pad = padTask(app, library);
    await app.worker().start();
    const run = await app.submit(pad.s('label', 20));
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ name: 'ResultValidationError', code: 'RESULT_INVALID' });
    expect(error.nodeError.message).toMatch(/^result of task "pad" is invalid: result: /);
  });
});

describe('schemas that validate asynchronously', () => {
  const makeApp = useApps();
  const redis = useRedis();
  const positive = v.tupleAsync([v.pipeAsync(v.number(), v.checkAsync(async (n) => n > 0, 'must be positive'))]);

  it('are awaited at submit: a refusal writes nothing', async () => {
    const app = makeApp();
    const double = app.task({ name: 'double', args: positive }, (n) => n * 2);
    const refused = await app.submit(double.s(-1)).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ArgsValidationError);
    expect((refused as Error).message).toBe('double: arguments of task "double" are invalid: args[0]: must be positive');
    expect(await keysOf(redis(), app)).toEqual([]);
  });

  it('a refusal found while an async check is pending leaves no unhandled rejection behind', async () => {
    const app = makeApp();
    const double = app.task({ name: 'double', args: positive }, (n) => n * 2);
    const strict = app.task({ name: 'strict', args: z.tuple([z.number()]) }, (n) => n);
    // The first node's check is pending (and will fail) when the second's fails synchronously.
    const error = await app.submit(group(double.s(-1), strict.s('x' as never))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as ArgsValidationError).task).toBe('strict');
    // Vitest fails the run on an unhandled rejection: give the pending check time to settle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await keysOf(redis(), app)).toEqual([]);
  });

  it('are awaited in the worker, for args and result', async () => {
    const app = makeApp();
    const double = app.task(
      { name: 'double', args: positive, result: v.pipeAsync(v.number(), v.checkAsync(async (n) => n < 100, 'too big')) },
      (n) => n * 2,
    );
    const minus = app.task({ name: 'minus' }, (n: number) => -n);
    await app.worker().start();
    expect(await (await app.submit(double.s(21))).result({ timeoutMs: 10_000 })).toBe(42);
    const badArgs = await (await app.submit(chain(minus.s(3), double.s()))).result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect((badArgs as WorkflowFailedError).nodeError).toMatchObject({ name: 'ArgsValidationError' });
    expect((badArgs as WorkflowFailedError).nodeError.message).toContain('args[0]: must be positive');
    const badResult = await (await app.submit(double.s(60))).result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect((badResult as WorkflowFailedError).nodeError).toMatchObject({ name: 'ResultValidationError' });
    expect((badResult as WorkflowFailedError).nodeError.message).toBe('result of task "double" is invalid: result: too big');
  });
});

describe('what is not a Standard Schema', () => {
  const makeApp = useApps();

  it('is refused when the task is registered', () => {
    const app = makeApp();
    const notSchema = { parse: (value: unknown) => value } as unknown as ArgsSchema;
    expect(() => app.task({ name: 'odd', args: notSchema }, () => 1)).toThrow(ConfigError);
    expect(() => app.task({ name: 'odd', args: notSchema }, () => 1)).toThrow(
      'app.task("odd"): options.args: must be a Standard Schema (zod 3.24+ or 4, valibot, arktype...)',
    );
    expect(() => app.task({ name: 'odd', result: 42 as unknown as StandardSchemaV1 }, () => 1)).toThrow(/options\.result: must be a Standard Schema/);
  });
});
