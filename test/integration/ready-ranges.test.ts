import { describe, expect, it } from 'vitest';
import { type App, chain, group } from '../../src/index.js';
import { parseMessage } from '../../src/store/messages.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { RunStore } from '../../src/store/run-store.js';
import { cancelRun } from '../../src/store/scripts/cancel-run.js';
import { claim } from '../../src/store/scripts/claim.js';
import { cancelStep } from '../../src/store/sweeps.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { readyCount, statuses } from '../helpers/runs.js';
import { noopSumTasks } from '../helpers/tasks.js';

// A wide group's roots are enqueued as range members (src/store/scripts/includes/ranges.lua): by
// submit-run when they are consecutive ids, by enqueue-roots past submit-run's share otherwise
// (a group of chains). One member of the ready set stands for many roots' first messages. These
// tests hold what must not change for it: counts, claim order, cancel, resume, delete and repair
// see every root as if it had a message of its own.

const WIDTH = 5000;
const SUM = (WIDTH * (WIDTH - 1)) / 2;

const tasks = noopSumTasks;

function wideChord(app: App, width = WIDTH, { noop, sum } = tasks(app)) {
  return chain(group(Array.from({ length: width }, (_, i) => noop.si(i))), sum.s());
}

function queueKeys(app: App) {
  return app.keys.shards[0]!.queue('default');
}

async function claimIds(client: RedisClient, app: App, wanted: number): Promise<string[]> {
  const reply = await claim.run(client, { shard: app.keys.shards[0]!, queues: ['default'], wanted, leaseMs: 60_000, upkeepLimit: 100 });
  return reply.claimed.map(({ message }) => {
    const parsed = parseMessage(message);
    expect(parsed?.delivery).toBe(1);
    return parsed!.nodeId;
  });
}

describe('a wide group waits in its queue as range members', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a wide group’s roots are one member from submit, counted as every root, and the run finishes', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    const keys = queueKeys(app);
    expect(await client.zrange(keys.ready, 0, -1)).toEqual([`${run.id}|0~${WIDTH - 1}~1|1|0`]);
    expect(await client.get(keys.ranged)).toBe(String(WIDTH - 1));
    expect(await readyCount(app)).toBe(WIDTH);
    // submit-run wrote it: no root was left to enqueue-roots.
    expect(await client.hexists(app.keys.run(run.id).run, 'rootsCursor')).toBe(0);
    expect(JSON.parse((await client.hget(app.keys.run(run.id).run, 'ranges')) ?? '[]')).toHaveLength(1);
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe(SUM);
    expect(await client.zcard(keys.ready)).toBe(0);
    expect(await client.get(keys.ranged)).toBe('0');
  });

  it('claims take the roots in id order across the range, and the count follows', async () => {
    const app = makeApp();
    await app.submit(wideChord(app));
    const client = redis();
    const ids = Array.from({ length: WIDTH }, (_, i) => String(i));
    expect(await claimIds(client, app, 2500)).toEqual(ids.slice(0, 2500));
    // What is left of the range, where it was.
    expect(await client.zcard(queueKeys(app).ready)).toBe(1);
    expect(await readyCount(app)).toBe(WIDTH - 2500);
    expect(await claimIds(client, app, 7)).toEqual(ids.slice(2500, 2507));
    expect(await claimIds(client, app, 5000)).toEqual(ids.slice(2507));
    expect(await readyCount(app)).toBe(0);
    expect(await client.get(queueKeys(app).ranged)).toBe('0');
    expect(await client.zcard(queueKeys(app).leases)).toBe(WIDTH);
  });

  it('a message behind a range keeps its place: claimed after the range, before later arrivals', async () => {
    const app = makeApp();
    const registered = tasks(app);
    const wide = await app.submit(wideChord(app, 3000, registered));
    const { noop } = registered;
    const later = await app.submit(noop.si(7));
    const client = redis();
    const reply = await claim.run(client, { shard: app.keys.shards[0]!, queues: ['default'], wanted: 3001, leaseMs: 60_000, upkeepLimit: 100 });
    const runs = reply.claimed.map(({ message }) => parseMessage(message)!.runId);
    expect(runs.slice(0, 3000).every((id) => id === wide.id)).toBe(true);
    expect(runs[3000]).toBe(later.id);
  });

  it('submit-run mixes ranges and messages in id order up to its share, and enqueue-roots carries on from there', async () => {
    const app = makeApp();
    const { noop, sum } = tasks(app);
    // Roots: 0..19 and the first chain's first step, 20 (consecutive: a range), then the other
    // chains' first steps two ids apart (messages, until submit-run's 2,000 entries are used: the
    // range took one), then 100 more members (ids 5020..5119).
    const members = [
      ...Array.from({ length: 20 }, (_, i) => noop.si(i)),
      ...Array.from({ length: 2500 }, (_, i) => chain(noop.si(i), noop.s())),
      ...Array.from({ length: 100 }, (_, i) => noop.si(i)),
    ];
    const run = await app.submit(chain(group(members), sum.s()));
    const client = redis();
    const roots = [
      ...Array.from({ length: 20 }, (_, i) => String(i)),
      ...Array.from({ length: 2500 }, (_, i) => String(20 + 2 * i)),
      ...Array.from({ length: 100 }, (_, i) => String(5020 + i)),
    ];
    expect(await readyCount(app)).toBe(roots.length);
    expect(await client.hexists(app.keys.run(run.id).run, 'rootsCursor')).toBe(0);
    const ready = await client.zrange(queueKeys(app).ready, 0, -1);
    expect(ready[0]).toBe(`${run.id}|0~20~1|1|0`);
    expect(ready[1]).toBe(`${run.id}|22|1|0`);
    expect(ready[1999]).toBe(`${run.id}|${20 + 2 * 1999}|1|0`);
    // Past the share: the chains' roots from the cursor (enqueue-roots) as one range, then the last members.
    expect(ready.slice(2000)).toEqual([`${run.id}|${20 + 2 * 2000}~${20 + 2 * 2499}~2|1|0`, `${run.id}|5020~5119~1|1|0`]);
    const claimed: string[] = [];
    while (claimed.length < roots.length) claimed.push(...(await claimIds(client, app, 333)));
    expect(claimed).toEqual(roots);
    expect(await readyCount(app)).toBe(0);
  });

  it('a group of chains: roots a constant step apart share one range', async () => {
    const app = makeApp();
    const { noop, sum } = tasks(app);
    const width = 3000;
    const run = await app.submit(chain(group(Array.from({ length: width }, (_, i) => chain(noop.si(i), noop.s()))), sum.s()));
    const client = redis();
    const members = await client.zrange(queueKeys(app).ready, 0, -1);
    const ranges = members.filter((member) => member.includes('~'));
    expect(ranges).toEqual([`${run.id}|4000~5998~2|1|0`]);
    expect(await readyCount(app)).toBe(width);
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe((width * (width - 1)) / 2);
  });

  it('cancel withdraws the range with the roots it cancels; a resume after a sweep cut short runs the rest from it', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    await cancelRun.run(client, { shard: app.keys.forRun(run.id), runId: run.id, queues: ['default'], cancellationsChannel: app.keys.cancellationsChannel });
    // The sweep's first call reaches into the range (ids 2,000 to 2,099), then the process dies.
    expect(await cancelStep(client, app.keys, run.id, ['default'], 2100)).toEqual({ done: false, cancelled: 2100, running: 0 });
    expect(await readyCount(app)).toBe(WIDTH - 2100);
    expect(await client.zrange(queueKeys(app).ready, 0, -1)).toEqual([`${run.id}|2100~4999~1|1|0`]);
    await run.resume();
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe(SUM);
    expect(await statuses(run)).toEqual(new Map([['succeeded', WIDTH + 1]]));
    expect(await client.get(queueKeys(app).ranged)).toBe('0');
  });

  it('a whole cancel, and a delete of a run cancelled without its sweep, leave no range behind', async () => {
    const app = makeApp();
    const client = redis();
    const registered = tasks(app);
    const cancelled = await app.submit(wideChord(app, WIDTH, registered));
    expect(await cancelled.cancel()).toMatchObject({ cancelledNodes: WIDTH + 1, runningNodes: 0 });
    expect(await client.zcard(queueKeys(app).ready)).toBe(0);
    expect(await client.get(queueKeys(app).ranged)).toBe('0');

    const deleted = await app.submit(wideChord(app, WIDTH, registered));
    await cancelRun.run(client, { shard: app.keys.forRun(deleted.id), runId: deleted.id, queues: ['default'], cancellationsChannel: app.keys.cancellationsChannel });
    expect(await new RunStore(client, app.keys, 700).delete(deleted.id, false)).toBe('cancelled');
    expect(await client.zcard(queueKeys(app).ready)).toBe(0);
    expect(await client.get(queueKeys(app).ranged)).toBe('0');
  });

  it('repair sees the range’s roots as queued with their message, and re-enqueues them when the member is lost', async () => {
    const app = makeApp();
    const run = await app.submit(wideChord(app));
    const client = redis();
    expect((await app.repair()).repaired).toEqual([]);
    const member = (await client.zrange(queueKeys(app).ready, 0, -1)).find((text) => text.includes('~'))!;
    await client.zrem(queueKeys(app).ready, member);
    const { repaired } = await app.repair();
    expect(repaired.map(({ nodeId }) => Number(nodeId)).sort((a, b) => a - b)).toEqual(Array.from({ length: WIDTH }, (_, i) => i));
    expect(repaired.every(({ runId, status }) => runId === run.id && status === 'queued')).toBe(true);
    await app.worker({ concurrency: 100 }).start();
    expect(await run.result({ timeoutMs: 30_000 })).toBe(SUM);
  });
});
