import { randomUUID } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../../src/store/redis-client.js';
import { type TestTarget, targetClient, targetNodes, targetOptions } from './target.js';
import { afterEach, expect, inject } from 'vitest';
import { type App, type AppOptions, createApp } from '../../src/index.js';
import { type RedisServer, startRedisServer } from './redis-server.js';

export const redisUrl = (): string => inject('redisUrl');

/** Where this suite's apps live (test/helpers/target.ts). */
export const testTarget = (): TestTarget => inject('redisTarget');

/** A plain connection to the test Redis (a Cluster client in the cluster suite), closed after the test. */
export function useRedis(): () => RedisClient {
  const clients: RedisClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });
  return () => {
    const client = targetClient(testTarget());
    clients.push(client);
    return client;
  };
}

/** Plain connections to every node of the test Redis (one, or each node of the cluster), closed after the test. */
export function useNodes(): () => readonly Redis[] {
  const made: Redis[][] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).flat().map((client) => client.quit()));
  });
  return () => {
    const nodes = targetNodes(testTarget());
    made.push(nodes);
    return nodes;
  };
}

/**
 * Apps on a fresh key prefix per test. After the test every app is closed, and the test fails if
 * a connection of its prefix is still open on the server (a leaked worker or subscriber).
 */
export function useApps(): (options?: AppOptions) => App {
  const apps: App[] = [];
  afterEach(async () => {
    const closing = apps.splice(0);
    await Promise.all(closing.map((app) => app.close()));
    if (closing.length === 0) return;
    const admins = targetNodes(testTarget());
    try {
      // A closing connection may take a moment to disappear from CLIENT LIST.
      let leaked: string[] = [];
      for (let attempt = 0; attempt < 50; attempt++) {
        const list = (await Promise.all(admins.map((admin) => admin.client('LIST')))).map(String).join('\n');
        leaked = closing.flatMap((app) =>
          list.split('\n').filter((line) => line.includes(`name=celeriac:${app.config.prefix}:`)),
        );
        if (leaked.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(leaked, 'connections left open after app.close()').toEqual([]);
    } finally {
      await Promise.all(admins.map((admin) => admin.quit()));
    }
  });
  return (options = {}) => {
    const app = createApp({ ...targetOptions(testTarget()), prefix: `test-${randomUUID()}`, ...options });
    apps.push(app);
    return app;
  };
}

/**
 * An app on a private redis-server that the test may kill and restart: append-only with
 * appendfsync always, so every acknowledged write survives a SIGKILL of the server. After the
 * test the app is closed, then the server stopped. The prefix is `name` and a fresh UUID.
 */
export function useRestartableApp(): (name: string, options?: AppOptions) => Promise<{ readonly server: RedisServer; readonly app: App }> {
  const made: { readonly server: RedisServer; readonly app: App }[] = [];
  afterEach(async () => {
    for (const { app, server } of made.splice(0)) {
      await app.close();
      await server.stop();
    }
  });
  return async (name, options = {}) => {
    const server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
    const app = createApp({ redis: server.url, prefix: `${name}-${randomUUID()}`, ...options });
    made.push({ server, app });
    return { server, app };
  };
}

/** Every key under an app's prefix, in every shard, on every node. */
export async function keysOf(redis: RedisClient, app: App): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  // "{prefix}:..." and, with several shards, "{prefix:n}:...".
  const pattern = `{${app.config.prefix}[}:]*`;
  const found = await Promise.all(nodes.map((node) => node.keys(pattern)));
  return found.flat().sort();
}
