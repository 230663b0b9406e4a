import { describe, expect, it } from 'vitest';
import { ConfigError, group, type QueueThroughput, WorkflowFailedError } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { readThroughput, THROUGHPUT_BUCKET_MS, THROUGHPUT_RETENTION_MS } from '../../src/store/throughput.js';
import { beatWorker } from '../../src/store/workers.js';
import { useApps, useRedis } from '../helpers/apps.js';

const total = (series: QueueThroughput | undefined, kind: 'succeeded' | 'failed'): number =>
  (series?.points ?? []).reduce((sum, point) => sum + point[kind], 0);

const record = { host: 'h', pid: 7, queues: ['q'], concurrency: 1, inFlight: 0, intervalMs: 5000 };

describe('app.throughput()', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('counts the attempts a worker finished per queue, retried failures included, sent by its beats and at close', async () => {
    const app = makeApp();
    const ok = app.task({ name: 'ok' }, async (value: number) => value);
    const boom = app.task({ name: 'boom', queue: 'risky', retry: { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } } }, async (): Promise<number> => {
      throw new Error('no');
    });
    const worker = app.worker({ queues: ['default', 'risky'], presenceIntervalMs: 50 });
    await worker.start();
    const good = await app.submit(group([ok.si(1), ok.si(2), ok.si(3)]));
    const bad = await app.submit(boom.si());
    expect(await good.result({ timeoutMs: 10_000 })).toEqual([1, 2, 3]);
    await expect(bad.result({ timeoutMs: 10_000 })).rejects.toThrow(WorkflowFailedError);
    await worker.close();

    const series = await app.throughput();
    expect(series.map((queue) => queue.queue)).toEqual(['default', 'risky']);
    const [fine, risky] = series;
    expect({ succeeded: total(fine, 'succeeded'), failed: total(fine, 'failed') }).toEqual({ succeeded: 3, failed: 0 });
    // Two attempts, both failed: the first was retried, the second failed the node.
    expect({ succeeded: total(risky, 'succeeded'), failed: total(risky, 'failed') }).toEqual({ succeeded: 0, failed: 2 });
  });

  it('zero-fills every bucket of the window, oldest first, and leaves out counts before it', async () => {
    const app = makeApp();
    const client = redis();
    const keys = new KeySpace(app.config.prefix);
    const [seconds, micros] = await client.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const current = now - (now % THROUGHPUT_BUCKET_MS);
    // As beats would have left them: 30 s ago and 2 min ago on 'q'.
    await client.hset(keys.throughput.counts, `${current - 30_000}|q|s`, 5, `${current - 30_000}|q|f`, 1, `${current - 120_000}|q|s`, 9);

    const [series] = await app.throughput({ windowMs: 60_000 });
    expect(series?.queue).toBe('q');
    expect(series?.bucketMs).toBe(THROUGHPUT_BUCKET_MS);
    const points = series?.points ?? [];
    expect(points).toHaveLength(6);
    points.forEach((point, index) => {
      expect(point.at.getTime()).toBe(points[0]!.at.getTime() + index * THROUGHPUT_BUCKET_MS);
    });
    expect(points.at(-1)!.at.getTime()).toBeLessThanOrEqual(now);
    expect(points.at(-1)!.at.getTime()).toBeGreaterThan(now - THROUGHPUT_BUCKET_MS);
    const thirtyAgo = points.find((point) => point.at.getTime() === current - 30_000);
    expect(thirtyAgo).toMatchObject({ succeeded: 5, failed: 1 });
    expect(total(series, 'succeeded')).toBe(5);
    expect(points.filter((point) => point.succeeded === 0 && point.failed === 0)).toHaveLength(5);

    // The default window (15 min) reaches the count of 2 minutes ago.
    expect(total((await app.throughput())[0], 'succeeded')).toBe(14);
    expect((await app.throughput())[0]?.points).toHaveLength(90);
  });

  it('refuses a window shorter than a bucket or longer than the retention', () => {
    const app = makeApp();
    expect(() => app.throughput({ windowMs: 1000 })).toThrow(ConfigError);
    expect(() => app.throughput({ windowMs: THROUGHPUT_RETENTION_MS + 1 })).toThrow('options.windowMs');
  });
});

describe('worker-heartbeat.lua: throughput', () => {
  const redis = useRedis();

  it('adds counts to the bucket of Redis’s time, per queue, and indexes each bucket and queue', async () => {
    const client = redis();
    const keys = new KeySpace(`test-${crypto.randomUUID()}`);
    await beatWorker(client, keys, 'w1', record, new Map([['a', { succeeded: 2, failed: 1 }], ['b', { succeeded: 0, failed: 0 }]]));
    await beatWorker(client, keys, 'w2', record, new Map([['a', { succeeded: 3, failed: 0 }]]));
    const fields = await client.hgetall(keys.throughput.counts);
    const buckets = new Set(Object.keys(fields).map((field) => field.split('|')[0]));
    // Both beats may straddle a bucket boundary: sum over buckets.
    const sum = (suffix: string): number =>
      Object.entries(fields).filter(([field]) => field.endsWith(suffix)).reduce((acc, [, value]) => acc + Number(value), 0);
    expect(sum('|a|s')).toBe(5);
    expect(sum('|a|f')).toBe(1);
    expect(Object.keys(fields).some((field) => field.includes('|b|'))).toBe(false);
    for (const bucket of buckets) expect(Number(bucket) % THROUGHPUT_BUCKET_MS).toBe(0);
    expect((await client.zrange(keys.throughput.index, 0, -1)).every((member) => member.endsWith('|a'))).toBe(true);
  });

  it('trims buckets past retention, at most 100 per beat, and readers ignore what is left of them', async () => {
    const client = redis();
    const keys = new KeySpace(`test-${crypto.randomUUID()}`);
    const [seconds] = await client.time();
    const old = Number(seconds) * 1000 - THROUGHPUT_RETENTION_MS - 60_000;
    const bucket = old - (old % THROUGHPUT_BUCKET_MS);
    // 150 stale bucket-and-queue entries, as old beats left them.
    const multi = client.multi();
    for (let index = 0; index < 150; index++) {
      multi.hset(keys.throughput.counts, `${bucket}|q${index}|s`, 1, `${bucket}|q${index}|f`, 1);
      multi.zadd(keys.throughput.index, bucket, `${bucket}|q${index}`);
    }
    await multi.exec();
    expect(await readThroughput(client, keys, THROUGHPUT_RETENTION_MS)).toEqual([]);

    await beatWorker(client, keys, 'w', record, new Map([['fresh', { succeeded: 1, failed: 0 }]]));
    expect(await client.zcard(keys.throughput.index)).toBe(51);
    expect(await client.hlen(keys.throughput.counts)).toBe(101);
    await beatWorker(client, keys, 'w', record);
    expect(await client.zrange(keys.throughput.index, 0, -1)).toEqual([expect.stringMatching(/^\d+\|fresh$/)]);
    expect(Object.keys(await client.hgetall(keys.throughput.counts))).toEqual([expect.stringMatching(/^\d+\|fresh\|s$/)]);
    expect((await readThroughput(client, keys, 60_000)).map((series) => series.queue)).toEqual(['fresh']);
  });
});
