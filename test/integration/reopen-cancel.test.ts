import { describe, expect, it } from 'vitest';
import {
  chain,
  group,
  NodeNotFoundError,
  RunCancelledError,
  taskContext,
  WorkflowCancelledError,
  WorkflowFailedError,
} from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { readyCount, settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('resume, rerun and cancel', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('resume twice, or on a running or succeeded run, does no duplicate work', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    let broken = true;
    const calls: string[] = [];
    const flaky = app.task({ name: 'flaky' }, async (value: number) => {
      calls.push(taskContext().nodeId);
      if (broken) throw new Error('not yet');
      return value;
    });
    await app.worker({ concurrency: 4 }).start();
    const run = await app.submit(chain(group(add.si(1, 1), flaky.si(5)), tsum.s()));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await settled(run);
    broken = false;
    const [first, second] = await Promise.all([run.resume(), run.resume()]);
    // Resume is one atomic script: exactly one of the two calls reopened the run.
    expect([first.changed, second.changed].sort()).toEqual([false, true]);
    expect(await run.result({ timeoutMs: 10_000 })).toBe(7);
    expect(calls).toEqual(['1', '1']);
    expect(await run.resume()).toEqual({ changed: false, status: 'succeeded', resetNodes: 0, enqueuedNodes: 0 });
    expect((await run.inspect()).reopened).toBe(1);
  });

  it('a resumed node gets a fresh retry budget while its attempts keep counting', async () => {
    const app = makeApp();
    let failUntil = 4;
    const stubborn = app.task({ name: 'stubborn', retry: { attempts: 2 } }, async () => {
      if (taskContext().attempt < failUntil) throw new Error(`attempt ${taskContext().attempt}`);
      return taskContext().attempt;
    });
    await app.worker().start();
    const run = await app.submit(stubborn.si());
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('attempt 2');
    failUntil = 4; // attempt 3 fails, attempt 4 (the resumed node's second try) succeeds
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(4);
    expect((await run.inspect()).nodes[0]?.attempts).toBe(4);
  });

  it('rerun from a middle node resets it and everything downstream, and nothing else', async () => {
    const app = makeApp();
    let version = 1;
    const calls: string[] = [];
    const step = app.task({ name: 'step' }, async (value: number) => {
      calls.push(taskContext().nodeId);
      return value * 10 + version;
    });
    const { add } = canvasTasks(app);
    await app.worker().start();
    // 1 -> 11 -> 111 -> 1111
    const run = await app.submit(chain(add.si(0, 1), step.s(), step.s(), step.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1111);
    version = 2;
    calls.length = 0;
    expect(await run.rerun({ from: '2' })).toEqual({ changed: true, status: 'running', resetNodes: 2, enqueuedNodes: 1 });
    // Node 1 keeps its result (11); nodes 2 and 3 run again with the new code: 112, then 1122.
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1122);
    expect(calls).toEqual(['2', '3']);
    expect((await run.inspect()).nodes.map((node) => node.attempts)).toEqual([1, 1, 2, 2]);
    await expect(run.rerun({ from: '99' })).rejects.toBeInstanceOf(NodeNotFoundError);
  });

  it('cancel a running chain: the handler sees its signal, the rest never starts, the late result is dropped', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    let started!: () => void;
    const inside = new Promise<void>((resolve) => (started = resolve));
    let reason: unknown;
    const slow = app.task({ name: 'slow' }, async () => {
      started();
      const { signal } = taskContext();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      reason = signal.reason;
      return 41; // a late result: must be discarded
    });
    await app.worker().start();
    const run = await app.submit(chain(slow.si(), add.s(1), add.s(1)));
    const waiting = run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    await inside;
    expect(await run.cancel()).toEqual({ changed: true, status: 'cancelled', cancelledNodes: 2, runningNodes: 1 });
    expect(await waiting).toBeInstanceOf(WorkflowCancelledError);
    const inspection = await settled(run);
    expect(reason).toBeInstanceOf(RunCancelledError);
    expect(inspection.status).toBe('cancelled');
    expect(inspection.nodes.map((node) => node.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(await app.redis.hlen(`{${app.config.prefix}}:run:${run.id}:results`)).toBe(0);
    expect(await run.cancel()).toMatchObject({ changed: false, status: 'cancelled' });
  });

  it('cancel a wide group: queued nodes never start and their messages leave the queue at once', async () => {
    const app = makeApp();
    let starts = 0;
    // The two attempts run until the cancel has returned (not until their abort signal, which
    // could let them finish before the cancel's sweep counts them as running).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const gate = app.task({ name: 'gate' }, async (value: number) => {
      starts++;
      await released;
      return value;
    });
    await app.worker({ concurrency: 2 }).start();
    const run = await app.submit(group(Array.from({ length: 200 }, (_, index) => gate.si(index))));
    while (starts < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const { ready } = new KeySpace(app.config.prefix, app.config.shards).forRun(run.id).queue('default');
    // The 198 queued members wait as what is left of one range member (ready-ranges.test.ts).
    expect(await readyCount(app)).toBe(198);
    expect(await redis().zrange(ready, 0, -1)).toEqual([`${run.id}|2~199~1|1|0`]);
    const outcome = await run.cancel();
    release();
    expect(outcome).toEqual({ changed: true, status: 'cancelled', cancelledNodes: 198, runningNodes: 2 });
    expect(await redis().zcard(ready)).toBe(0);
    expect(await readyCount(app)).toBe(0);
    const inspection = await settled(run);
    expect(inspection.nodes.every((node) => node.status === 'cancelled')).toBe(true);
    expect(starts).toBe(2);
    await expect(run.result()).rejects.toBeInstanceOf(WorkflowCancelledError);
  });

  it('cancel then resume at once, while a handler runs, finishes the run (20 times over)', async () => {
    const app = makeApp();
    let started!: () => void;
    const slow = app.task({ name: 'slow' }, async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 30));
      return 1;
    });
    await app.worker({ concurrency: 4 }).start();
    for (let round = 0; round < 20; round++) {
      const running = new Promise<void>((resolve) => (started = resolve));
      const run = await app.submit(slow.si());
      await running;
      await Promise.all([run.cancel(), run.resume()]);
      // Whatever order the two calls took, a resume leaves a run that finishes.
      if ((await run.inspect()).status === 'cancelled') await run.resume();
      expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    }
  });

  it('onEvent: an attempt aborted by its run\'s cancellation says cancelled, never stale, even when a resume reset its node first', async () => {
    const app = makeApp();
    let started!: () => void;
    const outcomes: string[] = [];
    const wait = app.task({ name: 'wait' }, async () => {
      started();
      const { signal } = taskContext();
      // Ends only when aborted (the cancellation), or, for the attempt after the resume, at once.
      if (taskContext().attempt > 1) return 1;
      await new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
      return 0;
    });
    await app.worker({
      concurrency: 4,
      onEvent: (event) => {
        if (event.type === 'attempt' && event.attempt === 1) outcomes.push(event.outcome);
      },
    }).start();
    for (let round = 0; round < 10; round++) {
      const running = new Promise<void>((resolve) => (started = resolve));
      const run = await app.submit(wait.si());
      await running;
      await run.cancel();
      // The worker hears of the cancellation and aborts; the resume races with its report.
      await run.resume();
      expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    }
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome !== 'cancelled' && outcome !== 'lease-lost')).toEqual([]);
  });

  it('a cancelled run can be resumed and finishes', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    await run.cancel();
    await expect(run.result()).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect(await run.resume()).toMatchObject({ changed: true, resetNodes: 2, enqueuedNodes: 1 });
    await app.worker().start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    expect(await keysOf(redis(), app)).not.toContain(`{${app.config.prefix}}:runs:status:cancelled`);
  });
});
