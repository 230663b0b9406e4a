import { describe, expect, it } from 'vitest';
import { ConfigError, group } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { queueStats } from '../../src/store/scripts/queue-stats.js';
import { useApps } from '../helpers/apps.js';
import { celeriac, cliApp } from '../helpers/cli.js';

const byName = <Q extends { name: string }>(queues: readonly Q[], name: string): Q | undefined => queues.find((queue) => queue.name === name);

describe('app.queues()', () => {
  const makeApp = useApps();

  it('reports the default queue, empty, when nothing was submitted', async () => {
    const app = makeApp();
    expect(await app.queues()).toEqual([{ name: 'default', ready: 0, delayed: 0, leased: 0, oldestReadyAgeMs: null }]);
  });

  it('counts ready roots with no worker, delayed nodes, and the queues of running runs', async () => {
    const { app, add } = cliApp(makeApp());
    await app.submit(group(add.s(1, 1), add.s(2, 2), add.s(3, 3)));
    await app.submit(add.s(1, 2).set({ countdownMs: 60_000 }));
    await app.submit(group(add.s(4, 4).set({ queue: 'fast' }), add.s(5, 5).set({ queue: 'fast', eta: new Date(Date.now() + 60_000) })));

    const queues = await app.queues({ names: ['unused'] });
    expect(queues.map((queue) => queue.name)).toEqual(['default', 'fast', 'unused']);
    expect(byName(queues, 'default')).toMatchObject({ ready: 3, delayed: 1, leased: 0 });
    expect(byName(queues, 'fast')).toMatchObject({ ready: 1, delayed: 1, leased: 0 });
    expect(byName(queues, 'unused')).toEqual({ name: 'unused', ready: 0, delayed: 0, leased: 0, oldestReadyAgeMs: null });
    expect(byName(queues, 'default')!.oldestReadyAgeMs).toBeGreaterThanOrEqual(0);
    expect(byName(queues, 'fast')!.oldestReadyAgeMs).toBeGreaterThanOrEqual(0);
    // The default queue's oldest message was submitted before the fast queue's.
    expect(byName(queues, 'default')!.oldestReadyAgeMs).toBeGreaterThanOrEqual(byName(queues, 'fast')!.oldestReadyAgeMs!);
  });

  it('counts the messages of a running handler as leased', async () => {
    const app = makeApp();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const block = app.task({ name: 'block' }, async () => {
      started();
      await released;
      return 1;
    });
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const first = await app.submit(block.s());
    await app.submit(block.s());
    await running;
    expect(byName(await app.queues(), 'default')).toMatchObject({ ready: 1, delayed: 0, leased: 1 });
    release();
    await first.result({ timeoutMs: 10_000 });
    await worker.close();
  });

  it('refuses names that are not queue names', async () => {
    const app = makeApp();
    await expect(app.queues({ names: ['a|b'] })).rejects.toThrow(ConfigError);
    await expect(app.queues({ names: [''] })).rejects.toThrow(ConfigError);
  });
});

describe('queue-stats.lua', () => {
  const makeApp = useApps();

  it('counts each set and returns the oldest ready message across priority bands', async () => {
    const app = makeApp();
    const keys = new KeySpace(app.config.prefix);
    const q = keys.shards[0]!.queue('q');
    const band = 2 ** 44;
    // Priority 9 (band 0) arrived last; priority 0 (band 9) came second; a redelivery (band -1) came third.
    await app.redis.zadd(q.ready, 0 * band + 30, 'r|1|1|9', 9 * band + 10, 'r|2|1|0', 9 * band + 40, 'r|3|1|0', -band + 20, 'r|4|1|0');
    await app.redis.zadd(q.delayed, 1, 'r|5|1|0', 2, 'r|6|1|0');
    await app.redis.zadd(q.leases, 1, 'r|7|1|0');
    const reply = await queueStats.run(app.redis, { shard: keys.shards[0]!, queues: ['q', 'empty'] });
    expect(reply.now).toBeGreaterThan(0);
    expect(reply.queues).toEqual([
      { ready: 4, delayed: 2, leased: 1, oldest: 'r|2|1|0' },
      { ready: 0, delayed: 0, leased: 0, oldest: '' },
    ]);
    // Read only: the sets are as they were.
    expect(await app.redis.zcard(q.ready)).toBe(4);
  });
});

describe('celeriac queues', () => {
  const makeApp = useApps();

  it('prints a table, and JSON with --json', async () => {
    const { app, at, add } = cliApp(makeApp());
    await app.submit(group(add.s(1, 1), add.s(2, 2)));
    await app.submit(add.s(1, 2).set({ queue: 'slow' }));

    const text = await celeriac(['queues', ...at]);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^QUEUE\s+READY\s+DELAYED\s+LEASED\s+OLDEST READY$/);
    expect(lines[1]).toMatch(/^default\s+2\s+0\s+0\s+\d/);
    expect(lines[2]).toMatch(/^slow\s+1\s+0\s+0\s+\d/);

    const json = await celeriac(['queues', '--json', '--queue', 'other', ...at]);
    const queues = JSON.parse(json.stdout) as { name: string; ready: number }[];
    expect(queues.map((queue) => [queue.name, queue.ready])).toEqual([
      ['default', 2],
      ['other', 0],
      ['slow', 1],
    ]);
  });
});
