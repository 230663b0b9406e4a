import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { App, WorkerInfo, WorkerList } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { workerHeartbeat } from '../../src/store/scripts/worker-heartbeat.js';
import { beatWorker, readWorkers, removeWorker } from '../../src/store/workers.js';
import { redisUrl, useApps, useRedis } from '../helpers/apps.js';
import { celeriac } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';
import { WorkerPresence } from '../../src/worker/worker-presence.js';
import { ThroughputTally } from '../../src/worker/throughput-tally.js';

const fixture = fileURLToPath(new URL('../fixtures/presence-worker.ts', import.meta.url));

/** Poll app.workers() until `found` picks something out of it (generous: 15 s). */
async function until<T>(app: App, found: (list: WorkerList) => T | undefined): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = found(await app.workers());
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the worker registry never showed what was expected');
}

const byId = (workers: readonly WorkerInfo[], id: string): WorkerInfo | undefined => workers.find((worker) => worker.id === id);

describe('the worker registry', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('lists a started worker as live, with its queues, concurrency, host, pid and attempts in flight; close removes it', async () => {
    const app = makeApp();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = 0;
    const block = app.task({ name: 'block' }, async (): Promise<number> => {
      entered++;
      await gate;
      return 1;
    });
    const worker = app.worker({ concurrency: 4, queues: ['default', 'other'], presenceIntervalMs: 50 });
    await worker.start();

    const listed = await until(app, (list) => byId(list.live, worker.id));
    expect(listed).toMatchObject({ host: hostname(), pid: process.pid, queues: ['default', 'other'], concurrency: 4, inFlight: 0 });
    expect(listed.startedAt.getTime()).toBeLessThanOrEqual(listed.lastSeenAt.getTime());
    expect(listed.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);

    const runs = await Promise.all([app.submit(block.si()), app.submit(block.si())]);
    const busy = await until(app, (list) => {
      const info = byId(list.live, worker.id);
      return info && info.inFlight === 2 ? info : undefined;
    });
    expect(entered).toBe(2);
    expect(busy.startedAt).toEqual(listed.startedAt);
    release();
    await Promise.all(runs.map((run) => run.result({ timeoutMs: 10_000 })));
    await until(app, (list) => (byId(list.live, worker.id)?.inFlight === 0 ? true : undefined));

    await worker.close();
    expect(await app.workers()).toMatchObject({ live: [], silent: [] });
    const keys = new KeySpace(app.config.prefix);
    expect(await redis().exists(keys.workers.records, keys.workers.seen, keys.workers.started)).toBe(0);
  });

  it('lists a worker whose process was killed as silent, and still knows its queues and pid', async () => {
    const app = makeApp();
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const id = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ready (\S+)\n/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', () => reject(new Error(`the worker process exited: ${out}`)));
    });
    const live = await until(app, (list) => byId(list.live, id));
    expect(live).toMatchObject({ pid: child.pid, queues: ['alpha', 'beta'], concurrency: 3 });

    const cli = await celeriac(['workers'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^ID\s+STATE\s+HOST\s+PID\s+QUEUES\s+BUSY\s+STARTED\s+LAST SEEN$/m);
    expect(cli.stdout).toContain(`${id}  live    `);
    expect(cli.stdout).toMatch(new RegExp(`${id}\\s+live\\s+\\S+\\s+${child.pid}\\s+alpha,beta\\s+0/3\\s`));

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const silent = await until(app, (list) => byId(list.silent, id));
    expect(silent).toMatchObject({ pid: child.pid, queues: ['alpha', 'beta'], concurrency: 3 });
    expect((await app.workers()).live).toEqual([]);

    const json = await celeriac(['workers', '--json'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { at: string; live: unknown[]; silent: { id: string; pid: number; lastSeenAt: string }[] };
    expect(Date.parse(parsed.at)).toBeGreaterThan(silent.lastSeenAt.getTime());
    expect(parsed.live).toEqual([]);
    expect(parsed.silent).toEqual([expect.objectContaining({ id, pid: child.pid, lastSeenAt: silent.lastSeenAt.toISOString() })]);
    const text = await celeriac(['workers'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix });
    expect(text.stdout).toMatch(new RegExp(`${id}\\s+silent\\s`));
  });

  it('celeriac workers says so when there are none', async () => {
    const app = makeApp();
    const result = await celeriac(['workers'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix });
    expect(result).toMatchObject({ code: 0, stdout: 'no workers\n' });
  });
});

describe('WorkerPresence', () => {
  it('reports a beat that fails to onError, keeps its timer, and keeps the counts the beat carried for the next', async () => {
    // A connection to a port nobody listens on, that never retries and queues nothing: every command fails.
    const client = new Redis({ port: await freePort(), lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
    const errors: unknown[] = [];
    const tally = new ThroughputTally();
    tally.succeeded('default');
    tally.failed('other');
    const presence = new WorkerPresence({
      connection: client,
      keys: new KeySpace(`test-${crypto.randomUUID()}`),
      id: 'w',
      queues: ['default'],
      concurrency: 1,
      executions: new Set(),
      intervalMs: 20,
      tally,
      onError: (error) => errors.push(error),
    });
    presence.start();
    try {
      await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
      expect(errors[0]).toBeInstanceOf(Error);
      presence.stop();
      // A beat still in flight holds the counts until it fails: take them once it has.
      const expected = new Map([['default', { succeeded: 1, failed: 0 }], ['other', { succeeded: 0, failed: 1 }]]);
      await vi.waitFor(() => expect(tally.take()).toEqual(expected), { timeout: 10_000 });
    } finally {
      presence.stop();
      client.disconnect();
    }
  });
});

describe('worker-heartbeat.lua', () => {
  const redis = useRedis();
  const record = { host: 'h', pid: 7, queues: ['q'], concurrency: 2, inFlight: 1, intervalMs: 5000 };

  it('a beat writes the record, last-seen and start times on Redis’s clock; a later beat keeps the start; remove leaves no key', async () => {
    const client = redis();
    const keys = new KeySpace(`test-${crypto.randomUUID()}`);
    await beatWorker(client, keys, 'w1', record);
    const [seconds] = await client.time();
    const first = Number(await client.zscore(keys.workers.seen, 'w1'));
    expect(Math.abs(first - Number(seconds) * 1000)).toBeLessThan(60_000);
    expect(await client.zscore(keys.workers.started, 'w1')).toBe(String(first));
    expect(JSON.parse((await client.hget(keys.workers.records, 'w1')) ?? '')).toEqual(record);

    await client.zadd(keys.workers.started, 1000, 'w1'); // as if it had started long ago
    await beatWorker(client, keys, 'w1', { ...record, inFlight: 2 });
    expect(await client.zscore(keys.workers.started, 'w1')).toBe('1000');
    const list = await readWorkers(client, keys);
    expect(list.live).toEqual([expect.objectContaining({ id: 'w1', inFlight: 2, startedAt: new Date(1000) })]);

    await removeWorker(client, keys, 'w1');
    expect(await client.exists(keys.workers.records, keys.workers.seen, keys.workers.started)).toBe(0);
  });

  it('prunes workers silent for longer than the limit, and the oldest beyond the count', async () => {
    const client = redis();
    const keys = new KeySpace(`test-${crypto.randomUUID()}`);
    for (const id of ['old', 'a', 'b']) await beatWorker(client, keys, id, record);
    // Back-date their beats: 'old' a day ago, 'a' before 'b'.
    const now = Number(await client.zscore(keys.workers.seen, 'b'));
    await client.zadd(keys.workers.seen, now - 86_400_000, 'old', now - 2000, 'a', now - 1000, 'b');
    expect((await readWorkers(client, keys)).silent.map((worker) => worker.id).sort()).toEqual(['old']);

    await workerHeartbeat.run(client, { action: 'beat', keys, id: 'c', recordJson: JSON.stringify(record), pruneAfterMs: 3_600_000, maxWorkers: 1000, throughputArgs: [3_600_000, 10_000] });
    expect((await client.zrange(keys.workers.seen, 0, -1)).sort()).toEqual(['a', 'b', 'c']);
    expect(await client.hexists(keys.workers.records, 'old')).toBe(0);
    expect(await client.zscore(keys.workers.started, 'old')).toBeNull();

    await workerHeartbeat.run(client, { action: 'beat', keys, id: 'd', recordJson: JSON.stringify(record), pruneAfterMs: 3_600_000, maxWorkers: 2, throughputArgs: [3_600_000, 10_000] });
    expect((await client.zrange(keys.workers.seen, 0, -1)).sort()).toEqual(['c', 'd']);
    expect((await client.hkeys(keys.workers.records)).sort()).toEqual(['c', 'd']);
    expect((await client.zrange(keys.workers.started, 0, -1)).sort()).toEqual(['c', 'd']);
  });
});
