import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { parseMessage } from '../../src/store/messages.js';
import { decodeNodeState } from '../../src/store/node-state.js';
import type { StartedNode } from '../../src/store/node-store.js';
import { SteppingNodeStore } from '../helpers/node-steps.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

/** The scripts driven directly, as a worker would, checking the keys they leave behind. */
describe('Lua scripts', () => {
  const makeApp = useApps();
  const redis = useRedis();

  async function setup() {
    const app = makeApp();
    const tasks = canvasTasks(app);
    const keys = new KeySpace(app.config.prefix);
    const nodes = new SteppingNodeStore(app.redis, keys);
    const startOne = async (): Promise<StartedNode> => {
      const { claimed } = await nodes.claim(0, ['default'], 1, 30_000);
      const [first] = claimed;
      if (!first) throw new Error('nothing to claim');
      const message = parseMessage(first.message);
      if (!message) throw new Error('bad message');
      const outcome = await nodes.start(message, first.queue, 5, '{}');
      if (!('started' in outcome)) throw new Error(`skipped: ${outcome.skipped}`);
      return outcome.started;
    };
    return { app, keys, nodes, startOne, ...tasks };
  }

  it('submit-run writes the run, its nodes and the root messages, and nothing else', async () => {
    const { app, add, tsum } = await setup();
    const run = await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), tsum.s()), { name: 'sum' });
    const tag = `{${app.config.prefix}}`;
    expect(await keysOf(redis(), app)).toEqual(
      [
        `${tag}:events`,
        `${tag}:meta`, // the shard count, recorded by the app's first call
        `${tag}:queue:default:ready`,
        `${tag}:queue:default:signal`,
        `${tag}:run:${run.id}`,
        `${tag}:run:${run.id}:nodes`,
        `${tag}:run:${run.id}:specs`,
        `${tag}:runs`,
        `${tag}:runs:status:running`,
        `${tag}:sequence`,
      ].sort(),
    );
    const meta = await redis().hgetall(`${tag}:run:${run.id}`);
    expect(meta).toMatchObject({ name: 'sum', status: 'running', nodeCount: '3', unfinished: '3', queues: '["default"]' });
    // No OpenTelemetry SDK in this process: no trace context is stored.
    expect(meta.trace).toBeUndefined();
    // Both indexes hold the run as "<createdAt, 15 digits>:<id>", for paging by lex range.
    expect(await redis().zrange(`${tag}:runs`, 0, -1)).toEqual([`${meta.createdAt!.padStart(15, '0')}:${run.id}`]);
    expect(await redis().zrange(`${tag}:queue:default:ready`, 0, -1)).toEqual([`${run.id}|0|1|0`, `${run.id}|1|1|0`]);
    const states = await redis().hgetall(`${tag}:run:${run.id}:nodes`);
    expect(decodeNodeState(states['2']!)).toEqual({ status: 'pending', waiting: 2 });
    // Stored without what is implied: a queued root has no state until it starts, and specs
    // leave out the default queue (a wide group's memory is mostly these two hashes).
    expect(Object.keys(states)).toEqual(['2']);
    const specs = await redis().hgetall(`${tag}:run:${run.id}:specs`);
    expect(specs['0']).toBe('["2",0,"add",[1,1]]');
    const inspection = await run.inspect();
    expect(inspection.nodes.map((node) => node.status)).toEqual(['queued', 'queued', 'pending']);
    expect(inspection.nodes[0]?.queuedAt?.getTime()).toBe(Number(meta.createdAt));
    expect((await run.progress()).counts).toMatchObject({ queued: 2, pending: 1 });
  });

  it('complete-nodes fences off a late completion from an attempt that lost its lease', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    const first = await startOne();
    expect(first.attempt).toBe(1);
    // The lease expires (as if the worker stalled) and the node is redelivered: attempt 2.
    await redis().zadd(keys.shards[0]!.queue('default').leases, 0, first.message.raw);
    const second = await startOne();
    expect(second.attempt).toBe(2);
    expect(second.leaseExpiries).toBe(1);

    expect(await nodes.complete(first, '"late"', null)).toEqual({ kind: 'stale' });
    expect(await nodes.extendLease(first, 30_000)).toBe('lost');
    expect(await nodes.fail(first, '{"name":"Error","message":"late"}', null)).toBe('stale');
    expect(await redis().hget(keys.run(run.id).results, '0')).toBeNull();

    expect(await nodes.complete(second, '2', null)).toEqual({ kind: 'completed', next: null, runFinished: false });
    // A duplicate completion of the same attempt changes nothing either.
    expect(await nodes.complete(second, '999', null)).toEqual({ kind: 'stale' });
    expect(await redis().hget(keys.run(run.id).results, '0')).toBe('2');
    expect(await redis().zcard(keys.shards[0]!.queue('default').leases)).toBe(0);
  });

  it('complete-nodes fences a root\'s first attempt, and records its success', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    const first = await startOne();
    const statesKey = keys.run(run.id).nodes;
    const running = await redis().hget(statesKey, '0');
    expect(decodeNodeState(running!)).toEqual({ status: 'running', delivery: 1, attempts: 1, startedAt: expect.any(Number) });
    // A completion naming any other attempt changes nothing.
    expect(await nodes.complete({ ...first, attempt: 2 }, '"forged"', null)).toEqual({ kind: 'stale' });
    expect(await redis().hget(statesKey, '0')).toBe(running);
    expect(await redis().hget(keys.run(run.id).results, '0')).toBeNull();

    expect(await nodes.complete(first, '2', null)).toMatchObject({ kind: 'completed' });
    const { startedAt } = decodeNodeState(running!) as { startedAt: number };
    const succeeded = decodeNodeState((await redis().hget(statesKey, '0'))!)!;
    expect(succeeded).toEqual({ status: 'succeeded', delivery: 1, attempts: 1, startedAt, finishedAt: expect.any(Number) });
    expect(succeeded.finishedAt as number).toBeGreaterThanOrEqual(startedAt);
    // The same attempt again (a duplicate report) is fenced off by the succeeded state.
    expect(await nodes.complete(first, '999', null)).toEqual({ kind: 'stale' });
    expect(await redis().hget(keys.run(run.id).results, '0')).toBe('2');
    expect((await run.inspect()).nodes[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('complete-nodes takes a chain step next, hands it the result it just stored, and fences its attempt', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(chain(add.si(1, 1), add.s(10), add.s(100)));
    const statesKey = keys.run(run.id).nodes;
    const takeNext = { consumedQueues: new Set(['default']), leaseMs: 30_000 };
    const first = await startOne();
    const taken = await nodes.complete(first, '2', takeNext);
    if (taken.kind !== 'completed' || !taken.next) throw new Error(`no step taken next: ${JSON.stringify(taken)}`);
    const step = taken.next;
    // The input is the result stored in the same call (not read back from Redis).
    expect([...step.inputs]).toEqual([['0', 2]]);
    expect(step).toMatchObject({ attempt: 1, leaseExpiries: 0, attemptOffset: 0, missingInputs: [] });
    const running = (await redis().hget(statesKey, '1'))!;
    const { queuedAt, startedAt } = decodeNodeState(running) as { queuedAt: number; startedAt: number };
    expect(decodeNodeState(running)).toEqual({ status: 'running', waiting: 0, delivery: 1, queuedAt, attempts: 1, startedAt });
    expect(queuedAt).toBe(startedAt);
    expect(step.context).toMatchObject({ queuedAt, startedAt });

    // A completion naming any other attempt changes nothing.
    expect(await nodes.complete({ ...step, attempt: 2 }, '"forged"', null)).toEqual({ kind: 'stale' });
    expect(await redis().hget(statesKey, '1')).toBe(running);
    expect(await redis().hget(keys.run(run.id).results, '1')).toBeNull();

    // The step is finished, and its own dependant is taken next too.
    const last = await nodes.complete(step, '12', takeNext);
    if (last.kind !== 'completed' || !last.next) throw new Error('the last step was not taken next');
    const succeeded = decodeNodeState((await redis().hget(statesKey, '1'))!)!;
    expect(succeeded).toEqual({ status: 'succeeded', waiting: 0, delivery: 1, queuedAt, attempts: 1, startedAt, finishedAt: expect.any(Number) });
    expect(await nodes.complete(step, '999', null)).toEqual({ kind: 'stale' });
    expect([...last.next.inputs]).toEqual([['1', 12]]);
    expect(await nodes.complete(last.next, '112', null)).toMatchObject({ kind: 'completed', runFinished: true });
    expect(await run.result()).toBe(112);
    const inspection = await run.inspect();
    expect(inspection.nodes.map((node) => [node.status, node.attempts])).toEqual([['succeeded', 1], ['succeeded', 1], ['succeeded', 1]]);
    expect(inspection.nodes[1]?.queuedAt?.getTime()).toBe(queuedAt);
  });

  it('fail-node ignores a late failure from an attempt whose lease expired, even before the redelivery starts', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(add.si(1, 1));
    const first = await startOne();
    const queue = keys.shards[0]!.queue('default');
    // The lease expires and claim's upkeep moves the message back to ready; nothing started it yet.
    await redis().zadd(queue.leases, 0, first.message.raw);
    await nodes.claim(0, ['other-queue', 'default'], 0, 30_000);
    expect(await redis().zrange(queue.ready, 0, -1)).toEqual([first.message.raw]);
    // The stalled worker now reports a failure with a retry left: it must change nothing.
    expect(await nodes.fail(first, '{"name":"LeaseLostError","message":"lost"}', 0)).toBe('stale');
    expect(await redis().zcard(queue.delayed)).toBe(0);
    expect(await redis().hget(keys.run(run.id).errors, '0')).toBeNull();
    // ... and without one, it must not fail the run either.
    expect(await nodes.fail(first, '{"name":"LeaseLostError","message":"lost"}', null)).toBe('stale');
    expect((await run.inspect()).status).toBe('running');
    const second = await startOne();
    expect(second.attempt).toBe(2);
    await nodes.complete(second, '2', null);
    expect(await run.result()).toBe(2);
  });

  it('start-nodes drops a claim that raced with cancel and resume: the node starts once, with no fake lease expiry', async () => {
    const app = makeApp({ maxLeaseExpiries: 0 });
    const { add } = canvasTasks(app);
    const keys = new KeySpace(app.config.prefix);
    const nodes = new SteppingNodeStore(app.redis, keys);
    const run = await app.submit(add.si(1, 1));
    const stale = await nodes.claim(0, ['default'], 1, 30_000); // worker A claims...
    await run.cancel(); // ...the run is cancelled and resumed before A's start-node
    await run.resume();
    const fresh = await nodes.claim(0, ['default'], 1, 30_000); // worker B claims the new delivery
    expect(fresh.claimed[0]?.message).toBe(`${run.id}|0|2|0`);
    const lost = '{"name":"LeaseExpiredError","message":"lost"}';
    expect(await nodes.start(parseMessage(stale.claimed[0]!.message)!, 'default', 0, lost)).toEqual({ skipped: 'stale-message' });
    const started = await nodes.start(parseMessage(fresh.claimed[0]!.message)!, 'default', 0, lost);
    expect('started' in started && started.started.attempt).toBe(1);
    expect('started' in started && started.started.leaseExpiries).toBe(0);
    if ('started' in started) await nodes.complete(started.started, '2', null);
    expect(await run.result()).toBe(2);
  });

  it('a resumed cancelled run is not failed by the late abort report of an attempt that was running', async () => {
    const { app, nodes, startOne, add } = await setup();
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    const running = await startOne();
    await run.cancel();
    await run.resume(); // the worker has not reported its aborted attempt yet
    const abort = '{"name":"RunCancelledError","message":"cancelled","code":"RUN_CANCELLED"}';
    expect(await nodes.fail(running, abort, null)).toBe('stale');
    const again = await startOne();
    expect(again.attempt).toBe(2);
    await nodes.complete(again, '2', { consumedQueues: new Set(['default']), leaseMs: 30_000 }).then(async (outcome) => {
      if (outcome.kind === 'completed' && outcome.next) await nodes.complete(outcome.next, '3', null);
    });
    expect(await run.result()).toBe(3);
  });

  it('claim puts a redelivery ahead of every priority', async () => {
    const { app, nodes, add, keys } = await setup();
    await app.submit(add.si(1, 1));
    const { claimed } = await nodes.claim(0, ['default'], 1, 30_000);
    await app.submit(add.si(2, 2).set({ priority: 9 }));
    await redis().zadd(keys.shards[0]!.queue('default').leases, 0, claimed[0]!.message);
    const next = await nodes.claim(0, ['default'], 1, 30_000);
    expect(next.claimed[0]?.message).toBe(claimed[0]!.message);
  });

  it('complete-nodes decrements the join once per completion and enqueues it at zero', async () => {
    const { app, nodes, startOne, identity, tsum, keys } = await setup();
    const run = await app.submit(chain(group(identity.si(1), identity.si(2), identity.si(3)), tsum.s()));
    const started = [await startOne(), await startOne(), await startOne()];
    const waiting = async () => decodeNodeState((await redis().hget(keys.run(run.id).nodes, '3'))!) as { waiting: number; status: string };
    await nodes.complete(started[0]!, '1', null);
    expect(await waiting()).toEqual({ status: 'pending', waiting: 2 });
    await nodes.complete(started[1]!, '2', null);
    expect(await waiting()).toEqual({ status: 'pending', waiting: 1 });
    const last = await nodes.complete(started[2]!, '3', { consumedQueues: new Set(['default']), leaseMs: 30_000 });
    // The worker had a free slot: the join was started for it in the same script.
    expect(last.kind).toBe('completed');
    const next = last.kind === 'completed' ? last.next : null;
    expect(next?.message.nodeId).toBe('3');
    expect(next?.attempt).toBe(1);
    expect([...(next?.inputs ?? [])]).toEqual([
      ['0', 1],
      ['1', 2],
      ['2', 3],
    ]);
    expect(next?.missingInputs).toEqual([]);
    expect(await redis().zscore(keys.shards[0]!.queue('default').leases, `${run.id}|3|1|0`)).not.toBeNull();
    await nodes.complete(next!, '6', null);
    expect(await redis().hget(keys.run(run.id).run, 'status')).toBe('succeeded');
    expect(await run.result()).toBe(6);
  });

  it('complete-nodes reports a batch, then fills the freed slots: same-run messages started, other runs\' messages leased', async () => {
    const { app, nodes, identity, tsum, keys } = await setup();
    const first = await app.submit(chain(group(identity.si(1), identity.si(2), identity.si(3), identity.si(4)), tsum.s()));
    const other = await app.submit(identity.si(9));
    const { claimed } = await nodes.claim(0, ['default'], 2, 30_000);
    const started = await nodes.startMany(first.id, 'default', claimed.map((entry) => parseMessage(entry.message)!), 5, '{}');
    const running = started.map((outcome) => ('started' in outcome ? outcome.started : null));
    expect(running.map((node) => node?.message.nodeId)).toEqual(['0', '1']);
    const fill = { count: 3, queues: ['default'], leaseMs: 30_000, maxLeaseExpiries: 5, leaseExpiredErrorJson: '{}', claimFromQueues: true };
    const outcome = await nodes.completeMany(
      first.id,
      [
        { node: running[0]!, resultJson: '1', span: '' },
        { node: running[1]!, resultJson: '2', span: '' },
        // A duplicate report of the same attempt in the same batch is fenced off.
        { node: running[0]!, resultJson: '1', span: '' },
      ],
      fill,
    );
    expect(outcome.outcomes).toEqual(['completed', 'completed', 'stale']);
    expect(outcome.finish).toBeNull();
    // Three free slots: the two remaining members of this run were started in the same call,
    // and the other run's root was claimed (leased) for the worker to start.
    expect(outcome.started.map((node) => [node.message.nodeId, node.attempt])).toEqual([
      ['2', 1],
      ['3', 1],
    ]);
    expect(outcome.claimed).toEqual([{ shard: 0, queue: 'default', message: `${other.id}|0|1|0` }]);
    expect(await redis().zscore(keys.shards[0]!.queue('default').leases, `${other.id}|0|1|0`)).not.toBeNull();
    expect(await redis().zcard(keys.shards[0]!.queue('default').ready)).toBe(0);
    const states = await redis().hgetall(keys.run(first.id).nodes);
    expect(decodeNodeState(states['0']!)).toMatchObject({ status: 'succeeded' });
    expect(decodeNodeState(states['2']!)).toMatchObject({ status: 'running', attempts: 1 });
    // The join was written once for the two completions.
    expect(decodeNodeState(states['4']!)).toEqual({ status: 'pending', waiting: 2 });
    // The last two complete with take-next: the join starts for this worker.
    const last = await nodes.completeMany(
      first.id,
      outcome.started.map((node, index) => ({ node, resultJson: String(index + 3), span: '' })),
      { ...fill, count: 2 },
    );
    expect(last.started.map((node) => node.message.nodeId)).toEqual(['4']);
    expect([...last.started[0]!.inputs.values()]).toEqual([1, 2, 3, 4]);
    expect(last.claimed).toEqual([]); // the other run's message is leased already
  });

  it('a start reply carries the inputs in one JSON array, telling a missing result from a stored null', async () => {
    const { app, nodes, startOne, identity, tsum, keys } = await setup();
    const run = await app.submit(chain(group(identity.si(1), identity.si(2), identity.si(3)), tsum.s()));
    const members = [await startOne(), await startOne(), await startOne()];
    await nodes.complete(members[0]!, 'null', null); // a handler that returned nothing
    await nodes.complete(members[1]!, '2', null);
    await nodes.complete(members[2]!, '3', null);
    // The join's message is queued; lose one upstream result before it starts.
    await redis().hdel(keys.run(run.id).results, '1');
    const join = await startOne();
    expect(join.message.nodeId).toBe('3');
    expect([...join.inputs]).toEqual([
      ['0', null],
      ['1', null],
      ['2', 3],
    ]);
    expect(join.missingInputs).toEqual(['1']);
  });

  it('reopen-run and cancel-run treat a root with no stored state as queued (delivery 1)', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(group(add.si(1, 1), add.si(2, 2)));
    const ready = keys.shards[0]!.queue('default').ready;
    // A rerun from a root that never started: its first message is withdrawn, a second delivery queued.
    await run.rerun({ from: '0' });
    expect((await redis().zrange(ready, 0, -1)).sort()).toEqual([`${run.id}|0|2|0`, `${run.id}|1|1|0`].sort());
    expect(decodeNodeState((await redis().hget(keys.run(run.id).nodes, '0'))!)).toMatchObject({ status: 'queued', delivery: 2 });
    expect(await redis().hexists(keys.run(run.id).nodes, '1')).toBe(0);
    // cancel-run cancels both, the one with no state included, and withdraws both messages.
    expect(await run.cancel()).toMatchObject({ changed: true, cancelledNodes: 2 });
    expect(await redis().zcard(ready)).toBe(0);
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['cancelled', 'cancelled']);
    // A resume re-enqueues both; they run once each.
    await run.resume();
    const first = await startOne();
    const second = await startOne();
    await nodes.complete(first, String(first.message.nodeId === '0' ? 2 : 4), null);
    await nodes.complete(second, String(second.message.nodeId === '0' ? 2 : 4), null);
    expect(await run.result()).toEqual([2, 4]);
  });

  it('fail-node schedules a retry in the delayed set, then fails for good and cascades', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1)));
    const first = await startOne();
    expect(await nodes.fail(first, '{"name":"Error","message":"once"}', 0)).toBe('retrying');
    expect(await redis().zrange(keys.shards[0]!.queue('default').delayed, 0, -1)).toEqual([`${run.id}|0|1|0`]);
    const second = await startOne(); // claim promotes the due retry
    expect(second.attempt).toBe(2);
    expect(await nodes.fail(second, '{"name":"Error","message":"twice"}', null)).toBe('run-failed');
    const inspection = await run.inspect();
    expect(inspection.status).toBe('failed');
    expect(inspection.nodes.map((node) => node.status)).toEqual(['failed', 'cancelled', 'cancelled']);
    expect(await redis().hget(keys.run(run.id).run, 'unfinished')).toBe('0');
  });

  it('start-nodes drops a message whose node already finished (a duplicate)', async () => {
    const { app, nodes, startOne, add, keys } = await setup();
    const run = await app.submit(add.si(1, 1));
    const started = await startOne();
    await nodes.complete(started, '2', null);
    // Put a duplicate of the message back, as a redelivery race could.
    await redis().zadd(keys.shards[0]!.queue('default').ready, 0, started.message.raw);
    const { claimed } = await nodes.claim(0, ['default'], 1, 30_000);
    const outcome = await nodes.start(parseMessage(claimed[0]!.message)!, 'default', 5, '{}');
    expect(outcome).toEqual({ skipped: 'node-succeeded' });
    expect(await redis().zcard(keys.shards[0]!.queue('default').leases)).toBe(0);
    expect(await run.result()).toBe(2);
  });

  it('start-nodes fails a node whose lease expired more than maxLeaseExpiries times', async () => {
    const { app, nodes, add, keys } = await setup();
    const run = await app.submit(add.si(1, 1));
    const leases = keys.shards[0]!.queue('default').leases;
    let outcome: Awaited<ReturnType<SteppingNodeStore['start']>> | null = null;
    for (let delivery = 0; delivery < 4; delivery++) {
      const { claimed } = await nodes.claim(0, ['default'], 1, 30_000);
      outcome = await nodes.start(parseMessage(claimed[0]!.message)!, 'default', 2, '{"name":"LeaseExpiredError","message":"lost"}');
      if ('skipped' in outcome) break;
      await redis().zadd(leases, 0, claimed[0]!.message); // the worker dies: its lease expires
    }
    expect(outcome).toEqual({ skipped: 'lease-expiries-exhausted' });
    await expect(run.result()).rejects.toThrow('threw LeaseExpiredError: lost');
  });

  it('claim respects priority, then arrival order', async () => {
    const { app, nodes, add } = await setup();
    await app.submit(group(add.si(1, 0), add.si(2, 0).set({ priority: 9 }), add.si(3, 0), add.si(4, 0).set({ priority: 5 })));
    const { claimed } = await nodes.claim(0, ['default'], 4, 30_000);
    expect(claimed.map((item) => parseMessage(item.message)?.nodeId)).toEqual(['1', '3', '0', '2']);
  });
});

describe('large runs', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a 100,000-node canvas is submitted in one script call', async () => {
    const app = makeApp();
    const { identity, tsum } = canvasTasks(app);
    const members = Array.from({ length: 100_000 }, (_, index) => identity.si(index));
    const run = await app.submit(chain(group(members), tsum.s()));
    const tag = `{${app.config.prefix}}`;
    expect(await redis().hget(`${tag}:run:${run.id}`, 'nodeCount')).toBe('100001');
    expect(await redis().hlen(`${tag}:run:${run.id}:specs`)).toBe(100_001);
    const [queue] = await app.queues({ names: ['default'] });
    expect(queue?.ready).toBe(100_000);
    // The 100,000 roots as one range member (consecutive ids, one class: includes/ranges.lua).
    expect(await redis().zrange(`${tag}:queue:default:ready`, 0, -1)).toEqual([`${run.id}|0~99999~1|1|0`]);
    await run.cancel(); // withdraws the 100,000 messages
    expect(await redis().zcard(`${tag}:queue:default:ready`)).toBe(0);
    expect((await app.queues({ names: ['default'] }))[0]?.ready).toBe(0);
  });
});

/**
 * Specs are stored in the positional layout of store/spec-format.ts, so that the scripts read a
 * node's dependants, input and task by position without decoding its spec (includes/spec.lua).
 * Args that hold the texts those reads look for must not confuse them; a route the patterns do
 * not take (a queue name with a quote) is decoded. test/integration/spec-format.test.ts holds the
 * two readers to the same answers spec by spec.
 */
describe('spec layout', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('args that look like spec fields are read right', async () => {
    const app = makeApp();
    const { identity } = canvasTasks(app);
    const keys = new KeySpace(app.config.prefix);
    // Texts the scripts look for, inside args: a route naming a real node, an input template
    // reading node 0, an args array ending the spec, an options object.
    const decoy = { a: '["1",{"node":"0"},', input: { node: '0' }, end: ']]', options: { queue: 'nowhere' } };
    const run = await app.submit(chain(identity.si(decoy), group(identity.s(), identity.si(decoy))));
    const specs = await redis().hgetall(keys.run(run.id).specs);
    expect(specs['0']).toBe(`["1,2",0,"identity",[${JSON.stringify(decoy)}]]`);
    expect(specs['2']).toBe(`["",0,"identity",[${JSON.stringify(decoy)}],{"after":["0"]}]`);
    await app.worker().start();
    // Node 2 gets its args only (no upstream value from the decoy template) and is a leaf.
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([decoy, decoy]);
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it.each([
    ['other', '["1,2;default|other",0,"add",[1,1]]'],
    ['o"th\\er', '["1,2;default|o\\"th\\\\er",0,"add",[1,1]]'],
  ])('runs across two queues (%s)', async (other, route) => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const keys = new KeySpace(app.config.prefix);
    const run = await app.submit(chain(add.si(1, 1), group(add.s(1), add.s(2).set({ queue: other })), tsum.s().set({ queue: other })));
    const specs = await redis().hgetall(keys.run(run.id).specs);
    // Node 0's dependants are on two queues: its route names them after ";".
    expect(specs['0']).toBe(route);
    await app.worker({ queues: ['default', other] }).start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(7);
  });
});
