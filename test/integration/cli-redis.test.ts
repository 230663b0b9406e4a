import { randomUUID } from 'node:crypto';
import type { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/index.js';
import { celeriac } from '../helpers/cli.js';
import { freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const servers: RedisServer[] = [];
const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function server(args: readonly string[] = []): Promise<RedisServer> {
  const started = await startRedisServer(args);
  servers.push(started);
  return started;
}

function appOn(url: string, prefix: string): App {
  const app = createApp({ redis: url, prefix });
  apps.push(app);
  return app;
}

/** Resolves once the child's stderr contains `text`. */
function stderrContains(child: ReturnType<typeof spawn>, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      child.stderr?.off('data', onData);
      resolve();
    };
    child.stderr?.on('data', onData);
  });
}

describe('celeriac worker and a Redis that is not there (yet)', () => {
  it('waits for a Redis that starts after it, logging each failed attempt, then works', async () => {
    const redis = await server();
    await redis.kill();
    const prefix = `cli-late-${randomUUID()}`;
    let child!: ReturnType<typeof spawn>;
    let refusedOnce!: Promise<void>;
    let started!: Promise<void>;
    const done = celeriac(['worker', fixture('stubborn-app.ts'), '--redis', redis.url, '--prefix', prefix, '--connect-timeout', '60000'], {}, (spawned) => {
      child = spawned;
      refusedOnce = stderrContains(spawned, 'ECONNREFUSED');
      started = stderrContains(spawned, 'worker started');
    });
    await refusedOnce;
    await redis.restart();
    await started;
    const app = appOn(redis.url, prefix);
    const run = await app.submit(app.signature<number>('quick', [7], { immutable: true }));
    expect(await run.result({ timeoutMs: 20_000 })).toBe(7);
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`celeriac: error: connect ECONNREFUSED 127.0.0.1:${redis.port}`);
    expect(result.stderr).toContain('celeriac: worker closed');
  });

  it('gives up after --connect-timeout with exit code 69, naming host:port and not the password', async () => {
    const port = await freePort();
    const result = await celeriac(['worker', fixture('stubborn-app.ts'), '--redis', `redis://:hunter2@127.0.0.1:${port}`, '--connect-timeout', '800']);
    expect(result.code).toBe(69);
    expect(result.stderr).toContain(`celeriac: cannot reach Redis: Redis at 127.0.0.1:${port} did not answer within 800 ms (connectTimeoutMs): connect ECONNREFUSED`);
    expect(result.stderr).not.toContain('hunter2');
  });

  it('a second SIGTERM exits at once although a handler ignores its AbortSignal', async () => {
    const redis = await server();
    const prefix = `cli-stubborn-${randomUUID()}`;
    const app = appOn(redis.url, prefix);
    const run = await app.submit(app.signature('stubborn', [], { immutable: true }));
    let child!: ReturnType<typeof spawn>;
    let started!: Promise<void>;
    const done = celeriac(['worker', fixture('stubborn-app.ts'), '--redis', redis.url, '--prefix', prefix], {}, (spawned) => {
      child = spawned;
      started = stderrContains(spawned, 'worker started');
    });
    await started;
    while ((await run.progress()).counts.running === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const closing = stderrContains(child, 'finishing the attempts in flight');
    child.kill('SIGTERM');
    await closing;
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    expect(result.stderr).toContain('celeriac: SIGTERM again: exiting without waiting');
    expect(result.stderr).not.toContain('worker closed');
  });
});

describe('the command line and a Redis that may evict keys', () => {
  it('list and worker warn that maxmemory-policy is not noeviction', async () => {
    const redis = await server(['--maxmemory', '100mb', '--maxmemory-policy', 'volatile-lru']);
    const listed = await celeriac(['list', '--redis', redis.url, '--prefix', `cli-evict-${randomUUID()}`]);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe(
      `celeriac: WARNING: Redis at 127.0.0.1:${redis.port} has maxmemory-policy "volatile-lru": it may evict celeriac's keys and silently lose runs. ` +
        'Set it to "noeviction" (CONFIG SET maxmemory-policy noeviction, or in redis.conf).\n',
    );
    let child!: ReturnType<typeof spawn>;
    let started!: Promise<void>;
    const done = celeriac(['worker', fixture('stubborn-app.ts'), '--redis', redis.url, '--prefix', `cli-evict-${randomUUID()}`], {}, (spawned) => {
      child = spawned;
      started = stderrContains(spawned, 'worker started');
    });
    await started;
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('celeriac: WARNING: Redis at');
    expect(result.stderr).toContain('maxmemory-policy "volatile-lru"');
  });

  it('says nothing about the policy to a user whose ACL refuses INFO', async () => {
    const redis = await server();
    const admin = new Redis(redis.url);
    try {
      await admin.call('ACL', 'SETUSER', 'noinfo', 'on', '>pw', '~*', '&*', '+@all', '-info');
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      const url = `redis://noinfo:pw@127.0.0.1:${redis.port}`;
      // (ioredis's ready check uses INFO too: without it, ioredis says so and goes on.)
      const listed = await celeriac(['list', '--redis', url, '--prefix', `cli-acl-${randomUUID()}`]);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toBe('no runs\n');
      expect(listed.stderr).not.toContain('maxmemory-policy');
    } finally {
      await admin.quit();
    }
  });
});
