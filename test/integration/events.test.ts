import { describe, expect, it } from 'vitest';
import {
  type App,
  type CeleriacEvent,
  chain,
  ConfigError,
  group,
  taskContext,
  WorkflowFailedError,
} from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import type { StartedNode } from '../../src/store/node-store.js';
import { SteppingNodeStore } from '../helpers/node-steps.js';
import { parseMessage } from '../../src/store/messages.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';
import { collect, retainedEvents } from '../helpers/events.js';

const hasType = (type: CeleriacEvent['type']) => (events: readonly CeleriacEvent[]) => events.some((event) => event.type === type);

/** Events without their ids and times, for comparing what happened. */
const shape = (event: CeleriacEvent): string => {
  const { id: _id, at: _at, runId: _runId, ...rest } = event;
  return JSON.stringify(rest);
};

/** Everything the app's stream holds now (of one run). */
async function retained(app: App, runId: string): Promise<CeleriacEvent[]> {
  return (await retainedEvents(app)).filter((event) => event.runId === runId);
}

describe('app.events()', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('tells a run from submit to success: each node started (by which worker) then succeeded, and run.succeeded last', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const worker = app.worker({ concurrency: 4 });
    await worker.start();
    const run = await app.submit(chain(add.si(1, 1), group(add.s(1), add.s(2)), tsum.s()), { name: 'sum' });
    const events = await collect(app.events({ runId: run.id, after: '0-0' }), hasType('run.succeeded'));
    expect(await run.result()).toBe(7);
    expect(events.every((event) => event.runId === run.id)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run.submitted', name: 'sum', nodeCount: 4 });
    expect(events.at(-1)?.type).toBe('run.succeeded');
    for (const nodeId of ['0', '1', '2', '3']) {
      const mine = events.filter((event) => 'nodeId' in event && event.nodeId === nodeId).map(shape);
      const task = nodeId === '3' ? 'tsum' : 'add';
      // A node the worker did not take in the call that readied it was queued first (not a root).
      if (nodeId !== '0' && mine[0] === JSON.stringify({ type: 'node.queued', nodeId, task })) mine.shift();
      expect(mine).toEqual([
        JSON.stringify({ nodeId, task, attempt: 1, type: 'node.started', worker: worker.id }),
        JSON.stringify({ nodeId, task, attempt: 1, type: 'node.succeeded' }),
      ]);
    }
    // Ids are cursors in stream order; times come from Redis's clock.
    const ids = events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const event of events) expect(Math.abs(event.at.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('names the starting worker in node.started on every path: a claim, take-next, and a chain hop', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    // One slot: each step of the chain is taken next by the worker that completed the one before
    // (complete-nodes' chain-step fast path after the first, start-nodes for the first).
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const run = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1), group(add.s(1), add.s(2))));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([5, 6]);
    const started = (await retained(app, run.id)).filter((event) => event.type === 'node.started');
    expect(started.map((event) => event.nodeId).sort()).toEqual(['0', '1', '2', '3', '4']);
    for (const event of started) expect(event).toMatchObject({ worker: worker.id });
    // Written once per stream entry, after the lines; only node.started events carry it.
    const entries = (await app.redis.xrange(app.keys.shards[0]!.events, '-', '+')) as [string, string[]][];
    for (const [, fields] of entries.filter(([, fields]) => fields[3]?.includes('node.started|'))) {
      expect(fields.slice(4)).toEqual(['worker', worker.id]);
    }
    const others = (await retained(app, run.id)).filter((event) => event.type !== 'node.started');
    expect(others.filter((event) => 'worker' in event)).toEqual([]);
    expect((await app.workers()).live.map((info) => info.id)).toEqual([worker.id]);
  });

  it('reports a retry, a failure for good, the cancelled dependants and the failed run', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    let calls = 0;
    const flaky = app.task({ name: 'flaky', retry: { attempts: 2 } }, async (value: number): Promise<number> => {
      calls++;
      throw new Error(`refused ${value} (call ${calls})`);
    });
    await app.worker().start();
    const run = await app.submit(chain(add.si(1, 1), flaky.s(), add.s(1)));
    const events = await collect(app.events({ runId: run.id, after: '0-0' }), hasType('run.failed'));
    await expect(run.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const node1 = events.filter((event) => 'nodeId' in event && event.nodeId === '1');
    expect(node1.map((event) => event.type)).toEqual(['node.started', 'node.retrying', 'node.started', 'node.failed']);
    expect(node1[1]).toMatchObject({ task: 'flaky', attempt: 1, delayMs: 0, error: { name: 'Error', message: 'refused 2 (call 1)' } });
    expect(node1[3]).toMatchObject({ task: 'flaky', attempt: 2, error: { message: 'refused 2 (call 2)' } });
    expect(events.filter((event) => event.type === 'node.cancelled')).toMatchObject([{ nodeId: '2' }]);
    expect(events.at(-1)).toMatchObject({ type: 'run.failed', failedNode: '1' });
  });

  it('reports a cancelled run and its nodes, then its resume', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    // No worker: every node is still waiting when the run is cancelled.
    const run = await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), add.si(3, 3)));
    const stream = app.events({ runId: run.id, after: '0-0' });
    await run.cancel();
    await run.resume();
    const events = await collect(stream, (so) => so.filter((event) => event.type === 'node.queued').length === 2);
    expect(events.map(shape)).toEqual([
      JSON.stringify({ type: 'run.submitted', name: '', nodeCount: 3 }),
      // The run is cancelled first (nothing of it starts from then on), then its nodes, a range per call.
      JSON.stringify({ type: 'run.cancelled' }),
      JSON.stringify({ type: 'node.cancelled', nodeId: '0' }),
      JSON.stringify({ type: 'node.cancelled', nodeId: '1' }),
      JSON.stringify({ type: 'node.cancelled', nodeId: '2' }),
      JSON.stringify({ type: 'run.reopened', mode: 'resume' }),
      // The reset nodes that wait for nothing are queued again; node 2 waits for them.
      JSON.stringify({ type: 'node.queued', nodeId: '0', task: 'add' }),
      JSON.stringify({ type: 'node.queued', nodeId: '1', task: 'add' }),
    ]);
  });

  it('node.queued: the members of a group no worker takes leave pending when their parent succeeds', async () => {
    const app = makeApp();
    const { add, tsum, identity } = canvasTasks(app);
    // The worker consumes the default queue only: the group waits on 'held'.
    await app.worker({ concurrency: 4 }).start();
    const held = { queue: 'held' };
    const run = await app.submit(chain(add.si(1, 1), group(add.s(1).set(held), identity.s().set(held), add.s(3).set(held)), tsum.s()));
    const events = await collect(
      app.events({ runId: run.id, after: '0-0' }),
      (so) => so.filter((event) => event.type === 'node.queued').length === 3,
    );
    expect(events.filter((event) => event.type === 'node.queued').map(shape)).toEqual([
      JSON.stringify({ type: 'node.queued', nodeId: '1', task: 'add' }),
      JSON.stringify({ type: 'node.queued', nodeId: '2', task: 'identity' }),
      JSON.stringify({ type: 'node.queued', nodeId: '3', task: 'add' }),
    ]);
    // In the call that recorded node 0's success, after it; and no root gets one (run.submitted).
    expect(events.map((event) => event.type)).toEqual(['run.submitted', 'node.started', 'node.succeeded', 'node.queued', 'node.queued', 'node.queued']);
    expect((await run.inspect()).nodes.filter((node) => node.status === 'queued').map((node) => node.id)).toEqual(['1', '2', '3']);
  });

  it('node.queued carries dueAt for a node held by a countdown', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(chain(add.si(1, 1), add.s(1).set({ countdownMs: 60_000 })));
    const events = await collect(app.events({ runId: run.id, after: '0-0' }), hasType('node.queued'));
    const queued = events.at(-1)!;
    const succeeded = events.at(-2)!;
    expect(queued).toMatchObject({ type: 'node.queued', nodeId: '1', task: 'add' });
    expect(succeeded).toMatchObject({ type: 'node.succeeded', nodeId: '0' });
    // Due a countdown after the instant the script queued it (the node's queuedAt: the same clock
    // reading; an event's `at` comes from its stream entry id, which may be a millisecond later).
    const held = (await run.inspect()).nodes[1];
    expect(held).toMatchObject({ status: 'delayed' });
    expect(queued.type === 'node.queued' && queued.dueAt?.getTime()).toBe(held!.queuedAt!.getTime() + 60_000);
    await run.cancel();
  });

  it('every started node was a root, queued, or started in the call that readied it (take-next, chain hop)', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    // One slot: chain hops take the fast path (node.started, no node.queued); of the group, one
    // member is taken next and the other two are queued, then claimed.
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const run = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1), group(add.s(1), add.s(2), add.s(3)), tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(18);
    const events = await retained(app, run.id);
    const sequences = new Map<string, string[]>();
    for (const event of events) {
      if (!('nodeId' in event)) continue;
      sequences.set(event.nodeId, [...(sequences.get(event.nodeId) ?? []), event.type]);
    }
    const direct = ['node.started', 'node.succeeded'];
    const viaQueue = ['node.queued', 'node.started', 'node.succeeded'];
    expect(sequences.get('0')).toEqual(direct);
    expect(sequences.get('1')).toEqual(direct);
    expect(sequences.get('2')).toEqual(direct);
    const members = ['3', '4', '5'].map((nodeId) => sequences.get(nodeId));
    expect(members.filter((sequence) => JSON.stringify(sequence) === JSON.stringify(direct))).toHaveLength(1);
    expect(members.filter((sequence) => JSON.stringify(sequence) === JSON.stringify(viaQueue))).toHaveLength(2);
    expect([direct, viaQueue]).toContainEqual(sequences.get('6'));
  });

  it('node.queued after run.reopened for the node a rerun enqueues', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    // The rerun node goes to a queue no worker consumes, so it stays queued.
    const run = await app.submit(chain(add.si(1, 1), add.s(1).set({ queue: 'held' })));
    const worker = app.worker({ queues: ['default', 'held'] });
    await worker.start();
    expect(await run.result()).toBe(3);
    await worker.close();
    const after = (await retained(app, run.id)).at(-1)!.id;
    await run.rerun({ from: '1' });
    const events = await collect(app.events({ runId: run.id, after }), hasType('node.queued'));
    expect(events.map(shape)).toEqual([
      JSON.stringify({ type: 'run.reopened', mode: 'rerun', from: '1' }),
      JSON.stringify({ type: 'node.queued', nodeId: '1', task: 'add' }),
    ]);
  });

  it('a consumer that reconnects with after: <last id> gets every later event, none twice', async () => {
    const app = makeApp();
    const { identity } = canvasTasks(app);
    await app.worker({ concurrency: 8 }).start();
    const run = await app.submit(group(Array.from({ length: 30 }, (_, index) => identity.si(index))));
    // The first consumer stops after 10 events (as a process that dies would), mid-run.
    const before = await collect(app.events({ runId: run.id, after: '0-0' }), (events) => events.length === 10);
    const rest = await collect(app.events({ runId: run.id, after: before.at(-1)!.id }), hasType('run.succeeded'));
    await run.result();
    const all = await retained(app, run.id);
    expect([...before, ...rest].map((event) => event.id)).toEqual(all.map((event) => event.id));
    // 30 nodes started and succeeded, the submit and the success.
    expect(all).toHaveLength(62);
  });

  it('from now (no after): a stream made before a submit sees that run', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.submit(add.si(0, 0));
    const stream = app.events();
    const run = await app.submit(add.si(1, 1));
    expect(await collect(stream, () => true)).toMatchObject([{ type: 'run.submitted', runId: run.id }]);
  });

  it('filters by run, and continues after a stream entry id as well as an event id', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const one = await app.submit(add.si(1, 1));
    const two = await app.submit(add.si(2, 2));
    const [submittedOne] = await collect(app.events({ after: '0-0' }), () => true);
    expect(submittedOne).toMatchObject({ type: 'run.submitted', runId: one.id });
    const onlyTwo = await collect(app.events({ runId: two.id, after: '0-0' }), () => true);
    expect(onlyTwo).toMatchObject([{ type: 'run.submitted', runId: two.id }]);
    const entry = submittedOne!.id.split('-').slice(0, 2).join('-');
    expect(await collect(app.events({ after: entry }), () => true)).toMatchObject([{ runId: two.id }]);
  });

  it('ends on break, on its AbortSignal and on app.close(), closing its connection (the leak check)', async () => {
    const app = makeApp();
    const controller = new AbortController();
    const aborted = collect(app.events({ signal: controller.signal }), () => false);
    const closed = collect(app.events(), () => false);
    // Both are blocked in XREAD on their own connections now, or about to be.
    controller.abort();
    expect(await aborted).toEqual([]);
    expect(await collect(app.events({ signal: AbortSignal.abort() }), () => false)).toEqual([]);
    await app.close();
    expect(await closed).toEqual([]);
  });

  it('refuses bad options with ConfigError, naming the option', () => {
    const app = makeApp();
    expect(() => app.events({ after: 'yesterday' })).toThrow(ConfigError);
    expect(() => app.events({ after: 'yesterday' })).toThrow(/options\.after/);
    expect(() => app.events({ runId: 'a b' })).toThrow(/options\.runId/);
  });

  it('writes nothing for the runs of an app with events off', async () => {
    const app = makeApp({ events: { enabled: false } });
    const { add } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    expect(await run.result()).toBe(3);
    expect(await keysOf(redis(), app)).not.toContain(app.keys.shards[0]!.events);
    expect(await app.redis.hget(`{${app.config.prefix}}:run:${run.id}`, 'events')).toBeNull();
  });

  it('keeps the stream near maxLen', async () => {
    const app = makeApp({ events: { maxLen: 100 } });
    const { add } = canvasTasks(app);
    for (let index = 0; index < 300; index++) await app.submit(add.si(index, 1));
    const length = await app.redis.xlen(app.keys.shards[0]!.events);
    // MAXLEN ~ trims whole stream nodes (100 entries each by default), so a little more is kept.
    expect(length).toBeGreaterThanOrEqual(100);
    expect(length).toBeLessThan(300);
  });
});

describe('taskContext().progress()', () => {
  const makeApp = useApps();

  it('records the running attempt progress: in inspect() and as a node.progress event', async () => {
    const app = makeApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const recorded: boolean[] = [];
    const work = app.task({ name: 'work' }, async (items: number) => {
      recorded.push(await taskContext().progress({ done: 0, of: items, unit: [] }));
      await gate;
      recorded.push(await taskContext().progress({ done: items, of: items, unit: [] }));
      return items;
    });
    await app.worker().start();
    const stream = app.events();
    const run = await app.submit(work.si(5));
    await collect(stream, hasType('node.progress'));
    // Exactly what was sent, empty array included (no cjson round trip).
    expect((await run.inspect()).nodes[0]?.progress).toEqual({ done: 0, of: 5, unit: [] });
    release();
    expect(await run.result()).toBe(5);
    expect(recorded).toEqual([true, true]);
    const progress = (await retained(app, run.id)).filter((event) => event.type === 'node.progress');
    expect(progress).toMatchObject([
      { nodeId: '0', task: 'work', attempt: 1, progress: { done: 0, of: 5, unit: [] } },
      { nodeId: '0', task: 'work', attempt: 1, progress: { done: 5, of: 5, unit: [] } },
    ]);
    expect((await run.inspect()).nodes[0]?.progress).toEqual({ done: 5, of: 5, unit: [] });
  });

  it('drops the progress of an attempt that no longer owns its node', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(add.si(1, 1));
    const nodes = new SteppingNodeStore(app.redis, new KeySpace(app.config.prefix));
    const { claimed } = await nodes.claim(0, ['default'], 1, 30_000);
    const outcome = await nodes.start(parseMessage(claimed[0]!.message)!, 'default', 5, '{}');
    const started = (outcome as { started: StartedNode }).started;
    const stale: StartedNode = { ...started, attempt: started.attempt + 1 };
    expect(await nodes.recordProgress(stale, '{"done":1}')).toBe(false);
    expect((await run.inspect()).nodes[0]?.progress).toBeUndefined();
    expect(await nodes.recordProgress(started, '{"done":1}')).toBe(true);
    expect((await run.inspect()).nodes[0]?.progress).toEqual({ done: 1 });
  });

  it('refuses a value JSON cannot carry, and one over maxPayloadBytes', async () => {
    const app = makeApp({ maxPayloadBytes: 64 });
    const errors: string[] = [];
    const work = app.task({ name: 'work' }, async () => {
      for (const value of [new Map(), 'x'.repeat(100)]) {
        await taskContext().progress(value).catch((error: unknown) => errors.push((error as { code: string }).code));
      }
      return 1;
    });
    await app.worker().start();
    const run = await app.submit(work.si());
    expect(await run.result()).toBe(1);
    expect(errors).toEqual(['VALUE_NOT_JSON', 'PAYLOAD_TOO_LARGE']);
  });
});
