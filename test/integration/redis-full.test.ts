import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chain, RedisEvictionPolicyError, RedisFullError } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { parseMessage } from '../../src/store/messages.js';
import { SteppingNodeStore } from '../helpers/node-steps.js';
import { useAppsOn } from '../helpers/private-apps.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('Redis out of memory (noeviction at maxmemory)', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer(['--maxmemory-policy', 'noeviction']);
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    await admin.config('SET', 'maxmemory', '0');
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  const makeApp = useAppsOn(() => admin);
  /** From now on every write that may grow memory is refused with OOM. */
  const fill = (): Promise<unknown> => admin.config('SET', 'maxmemory', '1');
  const free = (): Promise<unknown> => admin.config('SET', 'maxmemory', '0');

  it('submit fails with RedisFullError and writes nothing; it works again once memory is freed', async () => {
    const app = makeApp({ redis: server.url });
    const { add } = canvasTasks(app);
    await fill();
    const error = await app.submit(chain(add.s(1, 2), add.s(3))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RedisFullError);
    expect(error).toMatchObject({ code: 'REDIS_FULL' });
    expect((error as Error).message).toContain('out of memory');
    expect(await admin.keys(`{${app.config.prefix}}:*`)).toEqual([]);
    await free();
    await app.worker().start();
    expect(await (await app.submit(chain(add.s(1, 2), add.s(3)))).result({ timeoutMs: 10_000 })).toBe(6);
  });

  it('release-messages, at maxmemory, puts leased messages back to ready with their priority, and leaves alone one no longer leased', async () => {
    const app = makeApp({ redis: server.url });
    const { add } = canvasTasks(app);
    await app.submit(add.s(1, 2));
    await app.submit(add.s(3, 4).set({ priority: 5 }));
    const keys = new KeySpace(app.config.prefix);
    const nodes = new SteppingNodeStore(app.redis, keys);
    const queue = keys.shards[0]!.queue('default');
    const { claimed } = await nodes.claim(0, ['default'], 10, 60_000);
    expect(claimed).toHaveLength(2);
    const messages = claimed.map(({ message }) => parseMessage(message)!);
    expect(await admin.zcard(queue.ready)).toBe(0);
    // Claimed by priority: the first is the one with priority 5.
    expect(messages.map((message) => message.priority)).toEqual([5, 0]);
    await fill();
    // One of the two lost its lease meanwhile (expired and redelivered, say): it is not touched.
    await admin.zrem(queue.leases, messages[1]!.raw);
    expect(await nodes.release('default', messages)).toBe(1);
    expect(await admin.zrange(queue.leases, 0, -1)).toEqual([]);
    expect(await admin.zrange(queue.ready, 0, -1)).toEqual([messages[0]!.raw]);
    // In priority 5's band of scores: (9 - 5) * 2^44 + a sequence number.
    const band = Number(await admin.zscore(queue.ready, messages[0]!.raw)) / 2 ** 44;
    expect(Math.floor(band)).toBe(4);
    expect(await admin.llen(queue.signal)).toBe(1);
    await free();
    // The handed-back message is claimed again, as the same delivery.
    const again = await nodes.claim(0, ['default'], 10, 60_000);
    expect(again.claimed.map(({ message }) => message)).toEqual([messages[0]!.raw]);
  });

  it('a worker whose start Redis refuses hands the message back at once instead of holding it for its lease', async () => {
    // A lease this long would outlast the test: only a handed-back message can run in time.
    const app = makeApp({ redis: server.url, visibilityTimeoutMs: 10 * 60 * 1000 });
    const { add } = canvasTasks(app);
    const run = await app.submit(add.s(20, 22));
    await fill();
    const refusals: RedisFullError[] = [];
    let refused!: () => void;
    const startRefused = new Promise<void>((resolve) => (refused = resolve));
    await app
      .worker({
        onError: (error) => {
          if (!(error instanceof RedisFullError)) return;
          refusals.push(error);
          if (error.operation === 'start-nodes') refused();
        },
      })
      .start();
    // The claim itself goes through (it frees memory before it writes); start-nodes is refused.
    await startRefused;
    await free();
    expect(await run.result({ timeoutMs: 20_000 })).toBe(42);
    expect((await run.inspect()).nodes[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('a Redis that may evict keys', () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer(['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru']);
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  const makeApp = useAppsOn(() => admin);

  it('a starting worker warns through onError with RedisEvictionPolicyError, and runs anyway', async () => {
    const app = makeApp({ redis: server.url });
    const { add } = canvasTasks(app);
    const errors: unknown[] = [];
    await app.worker({ onError: (error) => errors.push(error) }).start();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RedisEvictionPolicyError);
    expect(errors[0]).toMatchObject({ code: 'REDIS_EVICTION_POLICY', policy: 'allkeys-lru', endpoint: `127.0.0.1:${server.port}` });
    expect((errors[0] as Error).message).toContain('noeviction');
    expect(await (await app.submit(add.s(1, 2))).result({ timeoutMs: 10_000 })).toBe(3);
  });

  it('says nothing once the policy is noeviction', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    try {
      const app = makeApp({ redis: server.url });
      const errors: unknown[] = [];
      await app.worker({ onError: (error) => errors.push(error) }).start();
      expect(errors).toEqual([]);
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    }
  });
});
