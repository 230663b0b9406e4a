import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  chain,
  group,
  NonRetryableError,
  type Signature,
  TaskTimeoutError,
  taskContext,
  WorkflowFailedError,
} from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('failure, retries, timeouts and countdowns', () => {
  const makeApp = useApps();

  it('a node that fails for good cancels what depends on it and fails the run, naming it', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    class InvoiceError extends Error {
      override name = 'InvoiceError';
    }
    const explode = app.task({ name: 'explode' }, async (_value: number) => {
      throw new InvoiceError('no invoice for customer 7');
    });
    const worker = app.worker({ concurrency: 4 });
    await worker.start();
    const run = await app.submit(chain(add.s(1, 1), group(explode.s(), add.s(1)), tsum.s(), add.s(5)));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failed = error as WorkflowFailedError;
    expect(failed.code).toBe('WORKFLOW_FAILED');
    expect(failed.nodeId).toBe('1');
    expect(failed.task).toBe('explode');
    expect(failed.nodeError.name).toBe('InvoiceError');
    expect(failed.nodeError.message).toBe('no invoice for customer 7');
    expect(failed.nodeError.stack).toContain('failure.test.ts');
    expect(failed.message).toBe(`run ${run.id} failed: node 1 (explode) threw InvoiceError: no invoice for customer 7`);

    // Wait until every node reached a final state (the sibling branch may still be running).
    const inspection = await settled(run);
    expect(inspection.status).toBe('failed');
    expect(inspection.failedNode).toBe('1');
    const statuses = Object.fromEntries(inspection.nodes.map((node) => [node.id, node.status]));
    // Node 2 is independent of the failure: it finished if it had started, else it was cancelled.
    expect(['succeeded', 'cancelled']).toContain(statuses['2']);
    expect({ ...statuses, '2': 'either' }).toEqual({ '0': 'succeeded', '1': 'failed', '2': 'either', '3': 'cancelled', '4': 'cancelled' });
    expect(inspection.nodes[1]?.error?.message).toBe('no invoice for customer 7');
    expect(inspection.finishedAt).toBeInstanceOf(Date);
  });

  it('keeps the results of an independent branch that finishes after the failure, and starts nothing new', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      await gate;
      return value * 10;
    });
    const explode = app.task({ name: 'explode' }, async () => {
      throw new Error('boom');
    });
    const worker = app.worker({ concurrency: 4 });
    await worker.start();
    const run = await app.submit(group(chain(slow.si(4), add.s(1)), explode.si()));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    release();
    const statuses = Object.fromEntries((await settled(run)).nodes.map((node) => [node.id, node.status]));
    // slow finished and kept its result; its dependant never ran in the failed run.
    expect(statuses).toEqual({ '0': 'succeeded', '1': 'cancelled', '2': 'failed' });
    const raw = await app.redis.hget(app.keys.run(run.id).results, '0');
    expect(raw).toBe('40');
  });

  it('retries with backoff, counting attempts, and succeeds', async () => {
    const app = makeApp();
    const seen: number[] = [];
    const flaky = app.task(
      { name: 'flaky', retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 20, maxDelayMs: 50, jitter: true } } },
      async () => {
        const { attempt } = taskContext();
        seen.push(attempt);
        if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
        return 'finally';
      },
    );
    const worker = app.worker();
    await worker.start();
    const run = await app.submit(flaky.si());
    expect(await run.result({ timeoutMs: 10_000 })).toBe('finally');
    expect(seen).toEqual([1, 2, 3]);
    const [node] = (await run.inspect()).nodes;
    expect(node?.attempts).toBe(3);
    expect(node?.status).toBe('succeeded');
    expect(node?.error).toBeUndefined();
  });

  it('fails once the retry attempts are used up', async () => {
    const app = makeApp();
    let calls = 0;
    const always = app.task({ name: 'always', retry: { attempts: 2 } }, async () => {
      calls++;
      throw new Error(`failure ${calls}`);
    });
    await app.worker().start();
    const run = await app.submit(always.si());
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError.message).toBe('failure 2');
    expect(calls).toBe(2);
  });

  it('a NonRetryableError skips the retries left', async () => {
    const app = makeApp();
    let calls = 0;
    const picky = app.task({ name: 'picky', retry: { attempts: 5 } }, async () => {
      calls++;
      throw new NonRetryableError('card declined');
    });
    await app.worker().start();
    const run = await app.submit(picky.si());
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ name: 'NonRetryableError', code: 'NON_RETRYABLE', message: 'card declined' });
    expect(calls).toBe(1);
  });

  it('a handler past its timeout sees its AbortSignal fire and the node fails with TaskTimeoutError', async () => {
    const app = makeApp();
    let abortReason: unknown;
    const hang = app.task({ name: 'hang', timeoutMs: 50 }, async () => {
      const { signal } = taskContext();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      abortReason = signal.reason;
      return 'too late';
    });
    await app.worker().start();
    const run = await app.submit(hang.si());
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ name: 'TaskTimeoutError', code: 'TASK_TIMEOUT' });
    expect(error.nodeError.message).toBe('task "hang" timed out after 50 ms');
    expect(abortReason).toBeInstanceOf(TaskTimeoutError);
  });

  it('a non-Error throw, an invalid result and a result JSON cannot carry all fail the node clearly', async () => {
    const app = makeApp();
    const throwsString = app.task({ name: 'throwsString' }, async () => {
      throw 'plain string';
    });
    const badResult = app.task({ name: 'badResult', result: z.number() }, async () => 'nope' as unknown as number);
    const bigint = app.task({ name: 'bigint' }, async () => ({ total: 10n }));
    await app.worker().start();
    const messages = await Promise.all(
      ([throwsString.si(), badResult.si(), bigint.si()] as Signature<unknown, unknown>[]).map(async (signature) => {
        const run = await app.submit(signature);
        const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
        if (!(error instanceof WorkflowFailedError)) throw new Error(`expected WorkflowFailedError, got ${String(error)}`, { cause: error });
        return `${error.nodeError.name}: ${error.nodeError.message}`;
      }),
    );
    expect(messages).toEqual([
      'NonErrorThrown: a handler threw a non-Error value: plain string',
      'ResultValidationError: result of task "badResult" is invalid: result: Invalid input: expected number, received string',
      'NotJsonError: result of task "bigint".total: a BigInt cannot be stored as JSON',
    ]);
  });

  it('a worker validates args against the schema before calling the handler', async () => {
    const app = makeApp();
    let called = false;
    const strict = app.task({ name: 'strict', args: z.tuple([z.number().int()]) }, async (value) => {
      called = true;
      return value;
    });
    const half = app.task({ name: 'half' }, async () => 1.5);
    await app.worker().start();
    // The upstream value only exists at run time, so only the worker can check it.
    const run = await app.submit(chain(half.si(), strict.s()));
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ name: 'ArgsValidationError', code: 'ARGS_INVALID' });
    expect(error.nodeError.message).toContain('args[0]: Invalid input: expected int, received number');
    expect(called).toBe(false);
  });

  it('a countdown holds a node as delayed until it is due', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const times: Record<string, number> = {};
    const stamp = app.task({ name: 'stamp' }, async (label: string) => {
      times[label] = Date.now();
      return label;
    });
    await app.worker().start();
    const run = await app.submit(chain(stamp.si('first'), stamp.si('second').set({ countdownMs: 300 }), add.si(1, 1)));
    // While the countdown runs, the node is delayed, not queued.
    let status = '';
    for (let attempt = 0; attempt < 100 && status !== 'delayed'; attempt++) {
      status = (await run.inspect()).nodes[1]?.status ?? '';
      if (status !== 'delayed') await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(status).toBe('delayed');
    expect(await run.result({ timeoutMs: 10_000 })).toBe(2);
    expect(times.second! - times.first!).toBeGreaterThanOrEqual(300);
  });
});
