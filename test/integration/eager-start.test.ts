import { describe, expect, it } from 'vitest';
import { type AnyCanvas, type App, chain, group } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { submitRun, type SubmitRunInput } from '../../src/store/scripts/submit-run.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { readyCount } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

/**
 * Eager start (submit-run.lua): a worker of the submitting process with free slots gets a small
 * run's ready roots started by the submit itself, leased to it. Called here as app.submit calls
 * it, with a made-up worker, to see what it writes and what it leaves to the queues.
 */
describe('eager start at submit', () => {
  const makeApp = useApps();
  const redis = useRedis();

  function commitInput(app: App, canvas: AnyCanvas, runId: string, slots: number, leaseMs = 30_000): SubmitRunInput {
    const plan = planSubmission(compileCanvas(canvas), { lookup: () => undefined, maxPayloadBytes: 1_000_000, maxCanvasNodes: 100_000, maxCanvasBytes: 100_000_000 });
    const shard = app.keys.forRun(runId);
    return {
      runId,
      name: '',
      plan,
      retention: app.config.retention,
      storedTrace: '',
      eventsMaxLen: 100,
      shard,
      stagingKey: shard.stagedSpecs(runId, 'inline'),
      inline: true,
      eager: { slots, workerId: 'worker-1', leaseMs, queues: ['default'] },
    };
  }

  it('starts the ready roots for the worker, up to its slots, and queues the rest', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const runId = 'eager-two-of-three';
    const reply = await submitRun.run(redis(), commitInput(app, chain(group(add.si(1, 1), add.si(2, 2), add.si(3, 3)), app.signature('tsum')), runId, 2));
    expect(reply.started.map(({ message, queue }) => [message.nodeId, message.delivery, queue])).toEqual([
      ['0', 1, 'default'],
      ['1', 1, 'default'],
    ]);
    // Leased to the worker like a claim, not in the ready set; the third root is.
    const queue = app.keys.forRun(runId).queue('default');
    expect(await redis().zrange(queue.leases, 0, -1)).toEqual(reply.started.map(({ message }) => message.raw));
    expect(await readyCount(app)).toBe(1);
    const inspection = await app.getRun(runId).inspect();
    expect(inspection.nodes.map((node) => `${node.id}:${node.status}:${node.attempts}`)).toEqual(['0:running:1', '1:running:1', '2:queued:0', '3:pending:0']);
    // node.started names the worker, after run.submitted.
    const events = await app.recentEvents({ runId });
    expect(events.map((event) => ('nodeId' in event ? `${event.type}:${event.nodeId}` : event.type))).toEqual(['run.submitted', 'node.started:0', 'node.started:1']);
    expect(events[1]).toMatchObject({ worker: 'worker-1', attempt: 1 });
  });

  it('overtakes nothing: with work already waiting in the queue, the roots are queued behind it', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const waiting = await app.submit(add.si(1, 1));
    expect(await readyCount(app)).toBe(1);
    const reply = await submitRun.run(redis(), commitInput(app, add.si(2, 2), 'eager-behind', 1));
    expect(reply.started).toEqual([]);
    expect(await readyCount(app)).toBe(2);
    await app.worker().start();
    expect(await waiting.result({ timeoutMs: 10_000 })).toBe(2);
    expect(await app.getRun('eager-behind').result({ timeoutMs: 10_000 })).toBe(4);
  });

  it('loses nothing when the process dies after its submit: the lease runs out and any worker runs the root', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    // The reply (the started root) is dropped, as by a process killed right after the submit.
    const reply = await submitRun.run(redis(), commitInput(app, chain(add.si(20, 1), add.s(21)), 'eager-orphan', 1, 300));
    expect(reply.started).toHaveLength(1);
    await app.worker().start();
    expect(await app.getRun<number>('eager-orphan').result({ timeoutMs: 15_000 })).toBe(42);
    const [first] = (await app.getRun('eager-orphan').inspect()).nodes;
    // The lost attempt, then the one that ran; a lease expiry does not use up a retry.
    expect(first).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('from app.submit: a worker of the same app with free slots runs the root, and a run too wide is left to the queue', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    const small = await app.submit(chain(add.si(1, 2), add.s(3)));
    expect(await small.result({ timeoutMs: 10_000 })).toBe(6);
    const wide = await app.submit(group(Array.from({ length: 6 }, (_, index) => add.si(index, 0))));
    expect(await wide.result({ timeoutMs: 10_000 })).toEqual([0, 2, 4, 6, 8, 10].map((value) => value / 2));
    // An event's id is its stream entry's, then its index there: the submit wrote the small run's
    // node.started in its own entry, with run.submitted; the wide run's roots were claimed later.
    const entryOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));
    const [submitted, started] = await app.recentEvents({ runId: small.id });
    expect([submitted?.type, started?.type]).toEqual(['run.submitted', 'node.started']);
    expect(entryOf(started!.id)).toBe(entryOf(submitted!.id));
    expect(started).toMatchObject({ nodeId: '0', worker: worker.id });
    const wideEvents = await app.recentEvents({ runId: wide.id });
    const wideSubmitted = wideEvents.find((event) => event.type === 'run.submitted')!;
    const wideStarts = wideEvents.filter((event) => event.type === 'node.started');
    expect(wideStarts).toHaveLength(6);
    for (const event of wideStarts) expect(entryOf(event.id)).not.toBe(entryOf(wideSubmitted.id));
  });

  it("starts a group's members together when the step before them completes: none waits in the queue", async () => {
    const app = makeApp();
    const { add, identity, tsum } = canvasTasks(app);
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    const run = await app.submit(chain(add.si(1, 2), group(identity.s(), identity.s(), identity.s()), tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(9);
    const events = await app.recentEvents({ runId: run.id });
    const entryOf = (id: string): string => id.slice(0, id.lastIndexOf('-'));
    const succeeded = events.find((event) => event.type === 'node.succeeded' && 'nodeId' in event && event.nodeId === '0')!;
    // The first step's completion started all three members, in its own call (one stream entry).
    const starts = events.filter((event) => event.type === 'node.started' && 'nodeId' in event && ['1', '2', '3'].includes(event.nodeId));
    expect(starts).toHaveLength(3);
    for (const event of starts) expect(entryOf(event.id)).toBe(entryOf(succeeded.id));
    expect(events.filter((event) => event.type === 'node.queued')).toEqual([]);
  });
});
