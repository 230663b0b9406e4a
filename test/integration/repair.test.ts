import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';

describe('repair: nodes that wait for a worker with no message anywhere', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('finds a queued node whose message was deleted by hand, re-enqueues it, and the run finishes', async () => {
    const app = makeApp();
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const run = await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), add.si(0, 0)));
    const ready = app.keys.shards[0]!.queue('default').ready;
    const client = redis();
    // Lose one root's message, as a Redis restored from an older snapshot might.
    expect(await client.zrem(ready, `${run.id}|1|1|0`)).toBe(1);

    const report = await app.repair();
    expect(report.repaired).toEqual([{ runId: run.id, nodeId: '1', status: 'queued' }]);
    expect(report.runs).toBe(1);
    expect(report.nodes).toBe(3);
    // Nothing else was orphaned, so a second sweep finds nothing (and enqueues nothing twice).
    expect((await app.repair()).repaired).toEqual([]);
    expect(await client.zcard(ready)).toBe(2);

    await app.worker({ concurrency: 2, repairIntervalMs: 0 }).start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(0);
    expect((await run.inspect()).nodes.map((node) => node.attempts)).toEqual([1, 1, 1]);
  });

  it('without repair the same run never finishes: the orphan is real', async () => {
    const app = makeApp();
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    await redis().zrem(app.keys.shards[0]!.queue('default').ready, `${run.id}|0|1|0`);
    await app.worker({ concurrency: 2, repairIntervalMs: 0 }).start();
    const outcome = await run.result({ timeoutMs: 500 }).catch((error: unknown) => error);
    expect((outcome as Error).name).toBe('ResultTimeoutError');
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['queued', 'pending']);
  });

  it('workers sweep on their own: a running node whose lease entry vanished is redelivered and its old attempt fenced', async () => {
    const app = makeApp({ visibilityTimeoutMs: 60_000 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const slow = app.task({ name: 'slow' }, async () => {
      calls++;
      if (calls === 1) await gate;
      return calls;
    });
    const repaired: string[] = [];
    const worker = app.worker({
      concurrency: 2,
      repairIntervalMs: 100,
      onEvent: (event) => {
        if (event.type === 'repaired') repaired.push(...event.report.repaired.map((node) => `${node.nodeId}:${node.status}`));
      },
    });
    await worker.start();
    const run = await app.submit(slow.si());
    const leases = app.keys.shards[0]!.queue('default').leases;
    const client = redis();
    // Wait until the first attempt runs, then lose its lease entry (its 60 s lease would
    // otherwise keep the node for a minute after a crash).
    for (let attempt = 0; attempt < 500 && calls === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls).toBe(1);
    expect(await client.zrem(leases, `${run.id}|0|1|0`)).toBe(1);

    // The sweep puts it back; the second attempt runs and its result is the run's.
    expect(await run.result({ timeoutMs: 10_000 })).toBe(2);
    expect(repaired).toEqual(['0:running']);
    // The first attempt finishing late changes nothing: it was fenced off.
    release();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const inspection = await run.inspect();
    expect(inspection.nodes[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await run.result()).toBe(2);
  });

  it('a delayed node keeps its countdown when repaired', async () => {
    const app = makeApp();
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const run = await app.submit(add.si(1, 2).set({ countdownMs: 60_000 }));
    const delayed = app.keys.shards[0]!.queue('default').delayed;
    const client = redis();
    const [message, score] = await client.zrange(delayed, 0, -1, 'WITHSCORES');
    expect(message).toBe(`${run.id}|0|1|0`);
    await client.zrem(delayed, message!);
    expect((await app.repair()).repaired).toEqual([{ runId: run.id, nodeId: '0', status: 'delayed' }]);
    const [again, newScore] = await client.zrange(delayed, 0, -1, 'WITHSCORES');
    expect(again).toBe(message);
    // Due at the same time as before (queuedAt + countdown), not at once.
    expect(Math.abs(Number(newScore) - Number(score))).toBe(0);
  });
});
