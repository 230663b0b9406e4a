import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { chain, ConfigError, createApp, DuplicateTaskError, group } from '../../src/index.js';
import { redisUrl, useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('the app', () => {
  const makeApp = useApps();

  it('accepts an ioredis instance, uses it, and leaves it open on close()', async () => {
    const client = new Redis(redisUrl());
    try {
      const app = createApp({ redis: client, prefix: `instance-${randomUUID()}` });
      const { add } = canvasTasks(app);
      await app.worker().start();
      const run = await app.submit(chain(add.s(1, 2), add.s(3)));
      expect(await run.result({ timeoutMs: 10_000 })).toBe(6);
      await app.close();
      expect(client.status).toBe('ready');
      expect(await client.exists(`{${app.config.prefix}}:run:${run.id}`)).toBe(1);
    } finally {
      await client.quit();
    }
  });

  it('accepts ioredis options', async () => {
    const { port, hostname } = new URL(redisUrl());
    const app = makeApp({ redis: { host: hostname, port: Number(port) } });
    const { add } = canvasTasks(app);
    await app.worker().start();
    expect(await (await app.submit(add.s(20, 22))).result({ timeoutMs: 10_000 })).toBe(42);
  });

  it('refuses a task name registered twice, and bad app and task options', () => {
    const app = makeApp();
    app.task({ name: 'once' }, () => 1);
    expect(() => app.task({ name: 'once' }, () => 2)).toThrow(DuplicateTaskError);
    expect(() => app.task({ name: 'has space' }, () => 1)).toThrow('app.task("has space"): options.name: must not contain');
    expect(() => app.task({ name: 'r', retry: { attempts: 0 } }, () => 1)).toThrow(ConfigError);
    expect(() => createApp({ prefix: 'a{b}' })).toThrow('createApp(): options.prefix: must not contain braces');
    expect(() => createApp({ visibilityTimeoutMs: -1 })).toThrow(ConfigError);
  });

  it('a worker never runs more handlers at once than its concurrency', async () => {
    const app = makeApp();
    let running = 0;
    let most = 0;
    const busy = app.task({ name: 'busy' }, async (value: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 15));
      running--;
      return value;
    });
    await app.worker({ concurrency: 3 }).start();
    const run = await app.submit(group(Array.from({ length: 12 }, (_, index) => busy.si(index))));
    expect(await run.result({ timeoutMs: 10_000 })).toHaveLength(12);
    expect(most).toBe(3);
  });

  it('several workers share a queue and run each node exactly once when nothing fails', async () => {
    const app = makeApp();
    const runs = new Map<number, number>();
    const count = app.task({ name: 'count' }, async (value: number) => {
      runs.set(value, (runs.get(value) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      return value;
    });
    const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
    for (let index = 0; index < 3; index++) await app.worker({ concurrency: 8 }).start();
    const run = await app.submit(chain(group(Array.from({ length: 300 }, (_, index) => count.si(index))), sum.s()));
    expect(await run.result({ timeoutMs: 20_000 })).toBe((299 * 300) / 2);
    expect(runs.size).toBe(300);
    expect([...runs.values()].every((times) => times === 1)).toBe(true);
  });
});
