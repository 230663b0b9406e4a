import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowFailedError } from '../../src/index.js';
import { MAX_VALUE_DEPTH } from '../../src/graph/limits.js';
import { useApps } from '../helpers/apps.js';

type Tree = number | Tree[];
const tree: z.ZodType<Tree> = z.lazy(() => z.union([z.number(), z.array(tree)]));

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level++) value = [value];
  return value;
}

describe('a result nested too deep, in the worker', () => {
  const makeApp = useApps();

  it.each([
    ['without a result schema', false],
    ['with a result schema that recurses', true],
  ])('fails the node for good with NestingTooDeepError (%s), retries left or not', async (_label, withSchema) => {
    const app = makeApp();
    let calls = 0;
    const handler = async (levels: number): Promise<Tree> => {
      calls++;
      return nested(levels) as Tree;
    };
    const deep = withSchema
      ? app.task({ name: 'deep', retry: { attempts: 3 }, result: tree }, handler)
      : app.task({ name: 'deep', retry: { attempts: 3 } }, handler);
    const worker = app.worker();
    await worker.start();
    const run = await app.submit(deep.s(10_000));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).nodeError).toMatchObject({ name: 'NestingTooDeepError', code: 'NESTING_TOO_DEEP' });
    expect((error as WorkflowFailedError).nodeError.message).toMatch(/^result of task "deep"/);
    expect(calls).toBe(1);
  });

  it(`a result ${MAX_VALUE_DEPTH} levels deep is carried to the next step`, async () => {
    const app = makeApp();
    const deep = app.task({ name: 'deep' }, async (levels: number): Promise<unknown> => nested(levels));
    const worker = app.worker();
    await worker.start();
    const run = await app.submit(deep.s(MAX_VALUE_DEPTH));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual(nested(MAX_VALUE_DEPTH));
  });
});
