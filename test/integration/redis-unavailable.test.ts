import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, type AppOptions, chain, createApp, group, RedisUnavailableError, taskContext, WorkerClosedError } from '../../src/index.js';
import { freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';
import { redisUrl, useApps, useRedis } from '../helpers/apps.js';
import { withConnection } from '../../src/connection.js';

/** Small, so the tests are quick; generous enough for a loaded machine to connect to a live server. */
const CONNECT_TIMEOUT_MS = 1500;

const apps: App[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

function appAt(redis: AppOptions['redis'], options: AppOptions = {}): App {
  const app = createApp({ redis, prefix: `down-${randomUUID()}`, connectTimeoutMs: CONNECT_TIMEOUT_MS, ...options });
  apps.push(app);
  return app;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('Redis that cannot be reached', () => {
  it('a closed port: start() reports each attempt to onError and rejects with RedisUnavailableError naming host:port, never the password', async () => {
    const port = await freePort(); // nothing listens there
    const app = appAt(`redis://:s3cret-pass@127.0.0.1:${port}`);
    const { add } = canvasTasks(app);
    const errors: unknown[] = [];
    const worker = app.worker({ onError: (error) => errors.push(error) });
    const error = await rejection(worker.start());
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ code: 'REDIS_UNAVAILABLE', endpoint: `127.0.0.1:${port}`, timeoutMs: CONNECT_TIMEOUT_MS });
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cret-pass');
    expect((error as Error).message).toContain('ECONNREFUSED');
    // It kept trying: every refused attempt was reported.
    expect(errors.length).toBeGreaterThan(1);
    expect(errors.every((reported) => String((reported as Error).message).includes('ECONNREFUSED'))).toBe(true);
    await worker.close(); // returns at once: start() already let everything go

    // The app's own calls fail alike, within the same bound.
    const calls = [app.submit(add.s(1, 2)), app.listRuns(), app.getRun('any').result(), app.getRun('any').inspect()];
    for (const failed of await Promise.all(calls.map(rejection))) {
      expect(failed).toBeInstanceOf(RedisUnavailableError);
      expect((failed as Error).message).not.toContain('s3cret-pass');
    }
  });

  it('a server that accepts TCP but never answers (SIGSTOP): start(), submit and result() fail with RedisUnavailableError; it works once the server resumes', async () => {
    const server = await startRedisServer();
    servers.push(server);
    server.pause();
    const app = appAt(server.url);
    const { add } = canvasTasks(app);
    const errors: unknown[] = [];
    const worker = app.worker({ onError: (error) => errors.push(error) });
    const error = await rejection(worker.start());
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ endpoint: `127.0.0.1:${server.port}` });
    // Each stalled attempt was abandoned, reported, and another one made.
    expect(errors.length).toBeGreaterThan(1);
    expect(String((errors[0] as Error).message)).toContain('did not answer');
    expect(await rejection(app.submit(add.s(1, 2)))).toBeInstanceOf(RedisUnavailableError);
    expect(await rejection(app.getRun('any').result())).toBeInstanceOf(RedisUnavailableError);

    server.resume();
    await app.worker({ onError: () => undefined }).start();
    const run = await app.submit(add.s(1, 2));
    expect(await run.result({ timeoutMs: 20_000 })).toBe(3);
  });

  it('a worker whose Redis starts later connects once it is up (the docker-compose order)', async () => {
    const server = await startRedisServer();
    servers.push(server);
    await server.kill();
    const app = appAt(server.url, { connectTimeoutMs: 60_000 });
    const { add } = canvasTasks(app);
    const errors: unknown[] = [];
    const worker = app.worker({ onError: (error) => errors.push(error) });
    const started = worker.start();
    while (errors.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    await server.restart();
    await started;
    const run = await app.submit(add.s(20, 22));
    expect(await run.result({ timeoutMs: 20_000 })).toBe(42);
  });
});

describe('a running worker and Redis going away', () => {
  it('rides out a Redis that dies mid-run and returns 5 s later, reporting the outage to onError', async () => {
    // appendfsync always: every acknowledged write survives the SIGKILL.
    const server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
    servers.push(server);
    const app = appAt(server.url, { visibilityTimeoutMs: 2000 });
    const { add, tsum } = canvasTasks(app);
    let gateOpen = false;
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      while (!gateOpen) await new Promise((resolve) => setTimeout(resolve, 20));
      return value;
    });
    const errors: unknown[] = [];
    await app.worker({ concurrency: 4, onError: (error) => errors.push(error) }).start();
    const run = await app.submit(chain(add.s(1, 1), group(slow.s(), slow.s(), add.s(10)), tsum.s(), add.s(100)));
    while ((await run.progress()).counts.running < 2) await new Promise((resolve) => setTimeout(resolve, 20));

    await server.kill();
    gateOpen = true; // the handlers finish while Redis is down; their completions wait
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const reportedDuringOutage = errors.length;
    await server.restart();

    expect(await run.result({ timeoutMs: 30_000 })).toBe(2 + 2 + 12 + 100);
    expect(reportedDuringOutage).toBeGreaterThan(0);
    expect((await run.inspect()).nodes.every((node) => node.status === 'succeeded')).toBe(true);
  });

  it('close() returns after closeTimeoutMs when a handler ignores its AbortSignal (the others see it fire); the attempt is redelivered by its lease', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const app = appAt(server.url, { visibilityTimeoutMs: 500 });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const stubborn = app.task({ name: 'stubborn' }, async () => {
      calls++;
      if (calls === 1) await released; // ignores every signal
      return calls;
    });
    let politeReason: unknown = null;
    const polite = app.task({ name: 'polite' }, async () => {
      const { signal } = taskContext();
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => {
          politeReason = signal.reason;
          resolve();
        }),
      );
      return 0;
    });
    const worker = app.worker({ closeTimeoutMs: 200 });
    await worker.start();
    const run = await app.submit(stubborn.si());
    const politeRun = await app.submit(polite.si());
    while (calls === 0 || (await politeRun.progress()).counts.running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.close(); // would wait forever without the grace period
    expect(politeReason).toBeInstanceOf(WorkerClosedError);
    expect(politeReason).toMatchObject({ code: 'WORKER_CLOSED', closeTimeoutMs: 200 });
    await politeRun.cancel();
    // Another worker takes the node once the closed worker's lease expires.
    await app.worker().start();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(2);
    release();
  });

  it('reports a Redis that stops answering without dropping the connection (SIGSTOP) to onError, and nothing once it answers again; the run finishes', async () => {
    const server = await startRedisServer([], { password: 's3cret-pass' });
    servers.push(server);
    const connectTimeoutMs = 500;
    const app = appAt(`redis://:s3cret-pass@127.0.0.1:${server.port}`, { connectTimeoutMs });
    const { add } = canvasTasks(app);
    let gateOpen = false;
    const gated = app.task({ name: 'gated' }, async (value: number) => {
      while (!gateOpen) await new Promise((resolve) => setTimeout(resolve, 20));
      return value;
    });
    const errors: unknown[] = [];
    await app.worker({ concurrency: 2, onError: (error) => errors.push(error) }).start();
    const run = await app.submit(chain(gated.s(1), add.s(2)));
    while ((await run.progress()).counts.running === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const stallErrors = (): RedisUnavailableError[] => errors.filter((error) => error instanceof RedisUnavailableError);

    server.pause();
    gateOpen = true; // the handler finishes while Redis is stopped: its completion waits, sent once
    // A generous overall limit, not a timing assertion: the watch reports within about 1.5 bounds.
    for (const giveUpAt = Date.now() + 20_000; stallErrors().length === 0 && Date.now() < giveUpAt; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    server.resume();

    const [stall] = stallErrors();
    expect(stall).toMatchObject({ code: 'REDIS_UNAVAILABLE', endpoint: `127.0.0.1:${server.port}`, timeoutMs: connectTimeoutMs });
    expect(stall?.message).not.toContain('s3cret-pass');
    expect(await run.result({ timeoutMs: 20_000 })).toBe(3);
    const afterResume = stallErrors().length;
    const later = await app.submit(add.s(20, 22));
    expect(await later.result({ timeoutMs: 20_000 })).toBe(42);
    // Four bounds: a watch that kept reporting would have spoken again by now.
    await new Promise((resolve) => setTimeout(resolve, 4 * connectTimeoutMs));
    expect(stallErrors().length).toBe(afterResume);
  });

  it.each([
    // Its completion and QUIT get no answer: it gives up after closeTimeoutMs.
    ['is stopped (SIGSTOP)', 500, async (server: RedisServer) => server.pause(), async (server: RedisServer) => server.resume()],
    ['never comes back', CONNECT_TIMEOUT_MS, (server: RedisServer) => server.kill(), async () => undefined],
  ] as const)('close() returns when Redis %s, with an attempt in flight', async (_label, connectTimeoutMs, stop, after) => {
    const server = await startRedisServer();
    servers.push(server);
    const app = appAt(server.url, { connectTimeoutMs });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const task = app.task({ name: 'finishes-during-outage' }, async () => {
      entered();
      await new Promise((resolve) => setTimeout(resolve, 100));
      return 1;
    });
    const worker = app.worker({ closeTimeoutMs: 300, onError: () => undefined });
    await worker.start();
    await app.submit(task.si());
    await inside;
    await stop(server);
    await worker.close();
    await after(server);
    await app.close();
  });
});

describe('an ioredis instance made with lazyConnect', () => {
  const makeApp = useApps();

  it('works for workers, submit and result()', async () => {
    const client = new Redis(redisUrl(), { lazyConnect: true });
    const lazyToo = new Redis(redisUrl(), { lazyConnect: true });
    try {
      const app = makeApp({ redis: client });
      const { add } = canvasTasks(app);
      await app.worker().start();
      const run = await app.submit(chain(add.s(1, 2), add.s(3)));
      expect(await run.result({ timeoutMs: 10_000 })).toBe(6);
      // A waiter on a second app made from the same lazy instance, before anything used it.
      const other = makeApp({ redis: lazyToo, prefix: app.config.prefix });
      expect(await other.getRun<number>(run.id).result({ timeoutMs: 10_000 })).toBe(6);
      await app.close();
      await other.close();
    } finally {
      client.disconnect();
      lazyToo.disconnect();
    }
  });
});

describe('a command ioredis gave up on', () => {
  const redis = useRedis();

  it('after its reconnect attempts (Redis went away mid-call) is said as RedisUnavailableError, with the cause', async () => {
    const connection = redis();
    // The error ioredis rejects a queued command with once maxRetriesPerRequest reconnects failed.
    const gaveUp = new Error('Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.');
    gaveUp.name = 'MaxRetriesPerRequestError';
    const error = await rejection(withConnection(connection, 1000, () => Promise.reject(gaveUp)));
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect(error).toMatchObject({ cause: gaveUp, endpoint: new URL(redisUrl()).host });
    const other = new Error('something else');
    expect(await rejection(withConnection(connection, 1000, () => Promise.reject(other)))).toBe(other);
    expect(await withConnection(connection, 1000, () => connection.ping())).toBe('PONG');
  });
});
