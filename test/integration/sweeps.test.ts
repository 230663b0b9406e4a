import type { RedisClient } from '../../src/store/redis-client.js';
import { describe, expect, it } from 'vitest';
import { type App, chain, group, type Run, when, WorkflowCancelledError, WorkflowFailedError } from '../../src/index.js';
import { RunStore } from '../../src/store/run-store.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { cancelRun } from '../../src/store/scripts/cancel-run.js';
import { reopenRun } from '../../src/store/scripts/reopen-run.js';
import { submitRun } from '../../src/store/scripts/submit-run.js';
import { stageSpecs, type SubmitRequest } from '../../src/store/submission.js';
import { cancelStep, finishCancel, finishReopen, reopenStep } from '../../src/store/sweeps.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { readyCount, settled, statuses } from '../helpers/runs.js';
import { noopSumTasks } from '../helpers/tasks.js';

/** Members of the wide chord: a sweep of SWEEP nodes per call needs 11 calls for it. */
const WIDTH = 1000;
const SWEEP = 100;
const SUM = (WIDTH * (WIDTH - 1)) / 2;

function wideChord(app: App, width = WIDTH) {
  const { noop, sum } = noopSumTasks(app);
  return chain(group(Array.from({ length: width }, (_, i) => noop.si(i))), sum.s());
}

/** A chord of two-step chains: its roots are two ids apart, so past submit-run's share they are left to enqueue-roots. */
function chainsChord(app: App, width: number) {
  const { noop, sum } = noopSumTasks(app);
  return chain(group(Array.from({ length: width }, (_, i) => chain(noop.si(i), noop.s()))), sum.s());
}

/** cancel-run alone, as a process that dies right after it would leave the run. */
async function beginCancel(redis: RedisClient, app: App, run: Run): Promise<unknown> {
  const queues = ['default'];
  return cancelRun.run(redis, { shard: app.keys.forRun(run.id), runId: run.id, queues, cancellationsChannel: app.keys.cancellationsChannel });
}

/** reopen-run alone (resume, or rerun from `from`), as a process that dies right after it would leave the run. */
async function beginReopen(redis: RedisClient, app: App, run: Run, from: string | null = null): Promise<unknown> {
  const queues = ['default'];
  return reopenRun.run(redis, { shard: app.keys.forRun(run.id), runId: run.id, queues, from });
}

/** reopen-nodes, `limit` node ids per call, until its sweep is over. */
async function reopenToEnd(redis: RedisClient, app: App, run: Run, limit: number): Promise<void> {
  for (;;) {
    const step = await reopenStep(redis, app.keys, run.id, ['default'], limit);
    if (!('done' in step) || step.done) return;
  }
}

/** The run's node statuses in id order, one line. */
async function statusLine(run: Run): Promise<string> {
  return (await run.inspect()).nodes.map((node) => node.status).join(' ');
}

async function untilSucceeded(run: Run, count: number): Promise<void> {
  while (((await run.progress()).counts.succeeded ?? 0) < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('cancel and reopen of a run larger than one sweep call', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('cancel sweeps the whole run in bounded calls: every node cancelled, every message withdrawn', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    const outcome = await new RunStore(client, app.keys, SWEEP).cancel(run.id);
    expect(outcome).toEqual({ cancelled: WIDTH + 1, running: 0 });
    expect(await statuses(run)).toEqual(new Map([['cancelled', WIDTH + 1]]));
    expect(await client.zcard(app.keys.shards[0]!.queue('default').ready)).toBe(0);
    expect(await client.hget(app.keys.run(run.id).run, 'unfinished')).toBe('0');
    await expect(run.result({ timeoutMs: 5000 })).rejects.toBeInstanceOf(WorkflowCancelledError);
  });

  it('a cancel cut short after its first call leaves a cancelled run that starts nothing, and the repair sweep finishes it', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    expect(await beginCancel(client, app, run)).toEqual({ cancelling: true });
    expect(await cancelStep(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ done: false, cancelled: SWEEP, running: 0 });
    // The process dies here. The run reads as cancelled, whole.
    await expect(run.result({ timeoutMs: 5000 })).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect((await statuses(run)).get('cancelled')).toBe(SWEEP);

    // A worker claiming what the sweep did not reach starts none of it: it cancels it.
    const worker = app.worker({ concurrency: 50, repairIntervalMs: 0 });
    await worker.start();
    while ((await client.zcard(app.keys.shards[0]!.queue('default').ready)) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await app.repair();
    await worker.close();
    expect((await run.inspect()).nodes.every((node) => node.attempts === 0)).toBe(true);
    expect(await statuses(run)).toEqual(new Map([['cancelled', WIDTH + 1]]));
    expect(await client.hget(app.keys.run(run.id).run, 'unfinished')).toBe('0');
    expect(await client.hexists(app.keys.run(run.id).run, 'cancelCursor')).toBe(0);
    expect(await client.zcard(app.keys.shards[0]!.queue('default').ready)).toBe(0);
  });

  it('a sweep carried on by another process meanwhile (the repair sweep) is reported whole by the process that began it', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    // cancel(): cancel-run, then another process takes two steps before the caller's first...
    await beginCancel(client, app, run);
    await cancelStep(client, app.keys, run.id, ['default'], SWEEP);
    expect(await cancelStep(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ done: false, cancelled: 2 * SWEEP, running: 0 });
    expect(await finishCancel(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ cancelled: WIDTH + 1, running: 0 });
    // ... or takes them all: the caller finds no sweep left and still reports the whole of it.
    expect(await finishCancel(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ cancelled: WIDTH + 1, running: 0 });

    // The same for a resume's sweep, whose totals start again from zero.
    await beginReopen(client, app, run);
    await reopenToEnd(client, app, run, SWEEP);
    expect(await finishReopen(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ reset: WIDTH + 1, enqueued: WIDTH, status: null });
    await app.worker({ concurrency: 50 }).start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
  });

  it('a resume after a cancel cut short runs the whole run once', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    await beginCancel(client, app, run);
    await cancelStep(client, app.keys, run.id, ['default'], SWEEP);
    const resumed = await new RunStore(client, app.keys, SWEEP).reopen(run.id, null);
    // Only what the cancel reached is reset; the rest kept its place in the queue.
    expect(resumed).toEqual({ reset: SWEEP, enqueued: SWEEP, status: 'running' });
    await app.worker({ concurrency: 50 }).start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    const inspection = await run.inspect();
    expect(inspection.nodes.every((node) => node.status === 'succeeded' && node.attempts === 1)).toBe(true);
  });

  it('resume sweeps in bounded calls and the run finishes with every result', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    const store = new RunStore(client, app.keys, SWEEP);
    await store.cancel(run.id);
    expect(await store.reopen(run.id, null)).toEqual({ reset: WIDTH + 1, enqueued: WIDTH, status: 'running' });
    await app.worker({ concurrency: 50 }).start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    expect(await client.hget(app.keys.run(run.id).run, 'unfinished')).toBe('0');
  });

  it('a resume cut short: the join waits for the sweep, whatever the workers finish meanwhile, and the repair sweep finishes it', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    await new RunStore(client, app.keys, SWEEP).cancel(run.id);
    expect(await beginReopen(client, app, run)).toEqual({ reopening: true });
    for (let step = 0; step < 3; step++) {
      // The sweep's totals so far: the join is reset ahead of its turn by the first step.
      expect(await reopenStep(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ done: false, reset: (step + 1) * SWEEP + 1, enqueued: (step + 1) * SWEEP });
    }
    // The process dies here: the workers run the members the sweep enqueued.
    const worker = app.worker({ concurrency: 50, repairIntervalMs: 0 });
    await worker.start();
    await untilSucceeded(run, 3 * SWEEP);
    const inspection = await run.inspect();
    expect(inspection.status).toBe('running');
    // The join was reset ahead of its turn and holds: it is not ready although its counted members succeeded.
    expect(inspection.nodes[WIDTH]!.status).toBe('pending');
    expect(inspection.nodes.filter((node) => node.status === 'cancelled')).toHaveLength(WIDTH - 3 * SWEEP);

    await app.repair();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    expect(await client.hexists(app.keys.run(run.id).run, 'reopenCursor')).toBe(0);
  });

  it('a when whose predicate runs in the middle of a resume sweep skips its branch, and the sweep passes over it', async () => {
    const app = makeApp();
    const { noop } = noopSumTasks(app);
    let fail = true;
    const decide = app.task({ name: 'decide' }, (_value: number) => {
      if (fail) throw new Error('not yet');
      return false;
    });
    // 0 the input; 1 the predicate; 2-3 the branch then (skipped); 4 otherwise; 5 what follows.
    const run = await app.submit(chain(noop.si(1), when(decide.s(), chain(noop.s(), noop.s()), noop.s()), noop.s()));
    const first = app.worker({ concurrency: 4, repairIntervalMs: 0 });
    await first.start();
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await settled(run);
    await first.close();
    fail = false;
    const client = redis();
    expect(await beginReopen(client, app, run)).toEqual({ reopening: true });
    // Ids 0 and 1: the predicate reset and enqueued; 2, 4 and 5 reset ahead of their turn (held); 3 not reached.
    expect(await reopenStep(client, app.keys, run.id, ['default'], 2)).toMatchObject({ done: false, enqueued: 1 });
    const second = app.worker({ concurrency: 4, repairIntervalMs: 0 });
    await second.start();
    // The predicate decides between two sweep calls: 2 (held) and 3 (still cancelled) are skipped.
    await expect.poll(() => statusLine(run)).toBe(
      'succeeded succeeded skipped skipped pending pending',
    );
    await reopenToEnd(client, app, run, 2);
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['succeeded', 'succeeded', 'skipped', 'skipped', 'succeeded', 'succeeded']);
    expect(await client.hget(app.keys.run(run.id).run, 'unfinished')).toBe('0');
  });

  it('a rerun from a when\'s predicate, which decides otherwise in the middle of the sweep: the branch that ran is skipped, results dropped', async () => {
    const app = makeApp();
    const { noop } = noopSumTasks(app);
    let calls = 0;
    const flip = app.task({ name: 'flip' }, (_value: number) => ++calls === 1);
    // 0 the input; 1 the predicate; 2-4 the branch then; 5 otherwise; 6 what follows.
    const run = await app.submit(chain(noop.si(1), when(flip.s(), chain(noop.s(), noop.s(), noop.s()), noop.s()), noop.s()));
    const first = app.worker({ concurrency: 4, repairIntervalMs: 0 });
    await first.start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    await first.close();
    const client = redis();
    expect(await beginReopen(client, app, run, '1')).toEqual({ reopening: true });
    // Ids 1 and 2: the predicate reset and enqueued, 2 and what it reaches held; 4 not reached, still succeeded.
    await reopenStep(client, app.keys, run.id, ['default'], 2);
    const second = app.worker({ concurrency: 4, repairIntervalMs: 0 });
    await second.start();
    await expect.poll(() => statusLine(run)).toBe(
      'succeeded succeeded skipped skipped skipped pending pending',
    );
    await reopenToEnd(client, app, run, 2);
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    const inspection = await run.inspect({ results: true });
    expect(inspection.nodes.map((node) => node.status)).toEqual(['succeeded', 'succeeded', 'skipped', 'skipped', 'skipped', 'succeeded', 'succeeded']);
    expect(inspection.nodes[4]!.result).toBeUndefined();
    expect(await client.hget(app.keys.run(run.id).run, 'unfinished')).toBe('0');
  });

  it('a cancel during a resume sweep stops it cleanly, and a later resume finishes the run', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    const store = new RunStore(client, app.keys, SWEEP);
    await store.cancel(run.id);
    await beginReopen(client, app, run);
    await reopenStep(client, app.keys, run.id, ['default'], SWEEP);
    await reopenStep(client, app.keys, run.id, ['default'], SWEEP);
    expect(await store.cancel(run.id)).toEqual({ cancelled: 2 * SWEEP + 1, running: 0 });
    // The reopen sweep, carried on by the repair sweep, only releases what it held.
    await app.repair();
    expect(await statuses(run)).toEqual(new Map([['cancelled', WIDTH + 1]]));
    expect(await client.hget(app.keys.run(run.id).run, 'unfinished')).toBe('0');

    expect(await store.reopen(run.id, null)).toEqual({ reset: WIDTH + 1, enqueued: WIDTH, status: 'running' });
    await app.worker({ concurrency: 50 }).start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
  });

  it('a rerun of the last node resets it alone; a rerun from a member resets it and the join', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    await app.worker({ concurrency: 50 }).start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    const store = new RunStore(redis(), app.keys, SWEEP);
    expect(await store.reopen(run.id, String(WIDTH))).toEqual({ reset: 1, enqueued: 1, status: 'running' });
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    // The join is enqueued by the sweep or by the member's completion, whichever comes last.
    expect(await store.reopen(run.id, '5')).toMatchObject({ reset: 2, status: 'running' });
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    const attempts = (await run.inspect()).nodes.map((node) => node.attempts);
    expect(attempts.filter((count) => count === 1)).toHaveLength(WIDTH - 1);
    expect([attempts[5], attempts[WIDTH]]).toEqual([2, 3]);
  });

  it('a rerun cut short from a member of a succeeded run: the join keeps its hold until the sweep reaches it', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const worker = app.worker({ concurrency: 50, repairIntervalMs: 0 });
    await worker.start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
    const client = redis();
    expect(await beginReopen(client, app, run, '0')).toEqual({ reopening: true });
    // The sweep starts at node 0: the member is reset and enqueued, the join reset ahead of its turn.
    expect(await reopenStep(client, app.keys, run.id, ['default'], SWEEP)).toEqual({ done: false, reset: 2, enqueued: 1 });
    await untilSucceeded(run, WIDTH);
    expect((await run.inspect()).nodes[WIDTH]!.status).toBe('pending');
    await app.repair();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(SUM);
  });

  it('a join too wide for its start script to read its inputs gets them from the worker', async () => {
    const app = makeApp();
    // The join's template is over 64 KB (decodeSpec's LARGE_SPEC_BYTES).
    const width = 6000;
    const run = await app.submit(wideChord(app, width));
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe((width * (width - 1)) / 2);
    // Over 2,000 nodes, inspect() and progress() read in pages: every node is there once.
    const inspection = await run.inspect({ results: true });
    expect(inspection.nodes.map((node) => node.id)).toEqual(Array.from({ length: width + 1 }, (_, id) => String(id)));
    expect(inspection.nodes.every((node) => node.status === 'succeeded')).toBe(true);
    expect(inspection.nodes[width]!.result).toBe((width * (width - 1)) / 2);
    expect((await run.progress()).counts.succeeded).toBe(width + 1);
  });

  it('a join of a wide group of chains, whose template is stored as a list over 64 KB, gets its inputs from the worker', async () => {
    const app = makeApp();
    const width = 5001;
    const first = app.task({ name: 'first' }, async (value: number) => value);
    const double = app.task({ name: 'double' }, async (value: number) => value * 2);
    const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
    // The members' last nodes are 1, 3, 5...: no range, a list (decodeSpec's LARGE_SPEC_BYTES).
    const run = await app.submit(chain(group(Array.from({ length: width }, (_, i) => chain(first.si(i), double.s()))), sum.s()));
    expect((await redis().hget(app.keys.run(run.id).specs, String(2 * width)))!.length).toBeGreaterThan(65_536);
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe(width * (width - 1));
  });

  it('submit enqueues every root past its commit share, in bounded calls of enqueue-roots', async () => {
    const app = makeApp();
    const width = 5000;
    const run = await app.submit(chainsChord(app, width));
    const client = redis();
    expect(await readyCount(app)).toBe(width);
    expect(await client.hexists(app.keys.run(run.id).run, 'rootsCursor')).toBe(0);
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe((width * (width - 1)) / 2);
  });

  it('a submit cut short after its commit: the roots left without a message are enqueued by the repair sweep, not repaired twice', async () => {
    const app = makeApp();
    const width = 5000;
    const plan = planSubmission(compileCanvas(chainsChord(app, width)), {
      lookup: () => undefined,
      maxPayloadBytes: 1_000_000,
      maxCanvasNodes: 100_000,
      maxCanvasBytes: 100_000_000,
    });
    const request: SubmitRequest = { runId: 'cut-short', name: '', plan, retention: app.config.retention, storedTrace: '', eventsMaxLen: 0 };
    const client = redis();
    const staging = stageSpecs(client, app.keys, request);
    await Promise.all(staging.writes);
    // The commit alone, as a client that dies right after it leaves the run.
    const reply = await submitRun.run(client, { ...request, shard: app.keys.forRun(request.runId), stagingKey: staging.key });
    expect(reply.rootsLeft).toBe(true);
    // submit-run's share: 2,000 roots, each its own message.
    expect(await readyCount(app)).toBe(2000);
    const run = app.getRun(request.runId);
    expect((await run.progress()).counts.queued).toBe(width);
    expect(await client.hget(app.keys.run(run.id).run, 'rootsCursor')).toBe('4000');

    // Not orphans: repair-run leaves them to enqueue-roots, which the repair sweep carries on.
    expect((await app.repair()).repaired).toEqual([]);
    expect(await readyCount(app)).toBe(width);
    expect(await client.hexists(app.keys.run(run.id).run, 'rootsCursor')).toBe(0);
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe((width * (width - 1)) / 2);
  });

  it('delete withdraws the messages of a run larger than one call, then its keys go', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    // A cancel cut short: most members are still queued with their message.
    await beginCancel(client, app, run);
    await cancelStep(client, app.keys, run.id, ['default'], SWEEP);
    expect(await readyCount(app)).toBe(WIDTH - SWEEP);
    expect(await new RunStore(client, app.keys, SWEEP).delete(run.id, false)).toBe('cancelled');
    expect(await readyCount(app)).toBe(0);
    expect(await client.zcard(app.keys.shards[0]!.queue('default').ready)).toBe(0);
    expect(await client.exists(...Object.values(app.keys.run(run.id)))).toBe(0);
  });

  it('a rerun of a running run: a pending join of a reset node and of a running one waits for both', async () => {
    const app = makeApp();
    let version = 1;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const inside = new Promise<void>((resolve) => (started = resolve));
    const first = app.task({ name: 'first' }, async () => 1);
    const second = app.task({ name: 'second' }, async (value: number) => value * 10 + version);
    const slow = app.task({ name: 'slow' }, async () => {
      started();
      await gate;
      return 100;
    });
    const join = app.task({ name: 'join' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
    // 0 first -> 1 second -> 3 join; 2 slow -> 3 join
    const run = await app.submit(chain(group(chain(first.si(), second.s()), slow.si()), join.s()));
    await app.worker({ concurrency: 4 }).start();
    await inside;
    await untilSucceeded(run, 2);
    version = 2;
    // Node 1 was succeeded: the join's count did not include it, and must now.
    expect(await new RunStore(redis(), app.keys, SWEEP).reopen(run.id, '0')).toMatchObject({ reset: 2, status: 'running' });
    release();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(112);
    expect((await run.inspect()).nodes.map((node) => node.attempts)).toEqual([2, 2, 1, 1]);
  });
});
