import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, group } from '../../src/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';

function stat(info: string, command: string): number {
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

describe('loading the Lua scripts', () => {
  let server: RedisServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('a server without the scripts gets each one loaded once, not once per concurrent caller', async () => {
    server = await startRedisServer();
    const admin = new Redis(server.url);
    const app = createApp({ redis: server.url, prefix: `load-${randomUUID()}` });
    try {
      const { identity } = canvasTasks(app);
      await app.worker({ concurrency: 50 }).start();
      const run = await app.submit(group(Array.from({ length: 200 }, (_, index) => identity.si(index))));
      expect(await run.result({ timeoutMs: 20_000 })).toHaveLength(200);
      const info = String(await admin.info('commandstats'));
      // submit-run, claim, start-node and complete-node: one SCRIPT LOAD each, no EVAL at all.
      expect(stat(info, 'eval')).toBe(0);
      expect(stat(info, 'script\\|load')).toBeGreaterThanOrEqual(4);
      expect(stat(info, 'script\\|load')).toBeLessThanOrEqual(6);

      // After SCRIPT FLUSH (as after a restart) the same happens again.
      await admin.script('FLUSH');
      await admin.config('RESETSTAT');
      const again = await app.submit(group(Array.from({ length: 200 }, (_, index) => identity.si(index))));
      expect(await again.result({ timeoutMs: 20_000 })).toHaveLength(200);
      const after = String(await admin.info('commandstats'));
      expect(stat(after, 'eval')).toBe(0);
      expect(stat(after, 'script\\|load')).toBeGreaterThanOrEqual(3);
      expect(stat(after, 'script\\|load')).toBeLessThanOrEqual(6);
    } finally {
      await app.close();
      await admin.quit();
    }
  });
});
