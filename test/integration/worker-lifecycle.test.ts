import { describe, expect, it } from 'vitest';
import { chain, group, taskContext, type TaskContext } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('worker lifecycle, heartbeats, queues and task context', () => {
  const makeApp = useApps();

  it('close() is graceful: it stops fetching, lets the attempt in flight finish and report, then returns', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = app.task({ name: 'gated' }, async (value: number) => {
      entered();
      await gate;
      return value;
    });
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const run = await app.submit(chain(gated.si(7), add.s(1)));
    await inside;
    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release();
    await closing;
    // The in-flight attempt reported; the closing worker did not take the next node.
    const nodes = (await run.inspect()).nodes;
    expect(nodes.map((node) => node.status)).toEqual(['succeeded', 'queued']);
    const next = makeApp({ prefix: app.config.prefix });
    canvasTasks(next);
    next.task({ name: 'gated' }, async (value: number) => value);
    await next.worker().start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(8);
  });

  it('a task longer than the visibility timeout keeps its lease by heartbeat and runs once', async () => {
    const app = makeApp({ visibilityTimeoutMs: 300 });
    let calls = 0;
    const long = app.task({ name: 'long' }, async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      return 'done';
    });
    // Two workers: a redelivery would have somewhere to go.
    await app.worker().start();
    await app.worker().start();
    const run = await app.submit(long.si());
    expect(await run.result({ timeoutMs: 10_000 })).toBe('done');
    expect(calls).toBe(1);
    expect((await run.inspect()).nodes[0]?.attempts).toBe(1);
  });

  it('routes nodes to queues: a worker only takes the queues it consumes', async () => {
    const app = makeApp();
    const where: Record<string, string> = {};
    const record = app.task({ name: 'record', queue: 'reports' }, async (label: string) => {
      where[label] = taskContext().queue;
      return label;
    });
    const defaultWorker = app.worker({ queues: ['default'] });
    await defaultWorker.start();
    const run = await app.submit(group(record.si('task default queue'), record.si('overridden').set({ queue: 'emails' })));
    await expect(run.result({ timeoutMs: 300 })).rejects.toThrow('did not finish');
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['queued', 'queued']);
    await app.worker({ queues: ['emails', 'reports'] }).start();
    expect(await run.result({ timeoutMs: 10_000 })).toEqual(['task default queue', 'overridden']);
    expect(where).toEqual({ 'task default queue': 'reports', overridden: 'emails' });
  });

  it('a handler reads its run id, node id and attempt from taskContext() without extra args', async () => {
    const app = makeApp();
    const seen: TaskContext[] = [];
    const who = app.task({ name: 'who' }, async (value: number) => {
      const before = taskContext();
      seen.push(before);
      // Two attempts interleave here; each still sees its own context after the await.
      await new Promise((resolve) => setTimeout(resolve, 5));
      return taskContext() === before ? value : -1;
    });
    await app.worker({ concurrency: 4 }).start();
    const run = await app.submit(group(who.si(1), who.si(2)));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([1, 2]);
    expect(seen.map((context) => [context.runId, context.nodeId, context.attempt, context.task]).sort()).toEqual([
      [run.id, '0', 1, 'who'],
      [run.id, '1', 1, 'who'],
    ]);
    expect(() => taskContext()).toThrow('called outside a task handler');
  });

  it('rejects bad worker options with a clear error', () => {
    const app = makeApp();
    expect(() => app.worker({ concurrency: 0 })).toThrow('app.worker(): options.concurrency: Too small');
    expect(() => app.worker({ queues: [] })).toThrow(/options.queues/);
  });
});
