import { Cluster, Redis } from 'ioredis';
import type { AppOptions } from '../../src/index.js';
import type { RedisClient } from '../../src/store/redis-client.js';

/**
 * Where the tests' apps live: the suite's private redis-server (the default), or, in the cluster
 * suite (vitest.cluster.config.ts), a private Redis Cluster with the app's runs spread over
 * shards. Child processes of a test (crash and recovery fixtures) learn it from the environment
 * that `targetEnv` gives them.
 */
export interface TestTarget {
  /** redis:// URL of the single server (in cluster mode, of one node: for tools that need one). */
  readonly url: string;
  /** The cluster's nodes, in cluster mode. */
  readonly cluster?: readonly { readonly host: string; readonly port: number }[];
  readonly shards?: number;
}

const CLUSTER_ENV = 'CELERIAC_TEST_CLUSTER';
const SHARDS_ENV = 'CELERIAC_TEST_SHARDS';

/** The app options that point at the target. */
export function targetOptions(target: TestTarget): Pick<AppOptions, 'redis' | 'shards'> {
  if (!target.cluster) return { redis: target.url, ...(target.shards ? { shards: target.shards } : {}) };
  return { redis: { cluster: target.cluster }, ...(target.shards ? { shards: target.shards } : {}) };
}

/** A plain client of the target (a Cluster client in cluster mode). */
export function targetClient(target: TestTarget): RedisClient {
  return target.cluster ? new Cluster([...target.cluster]) : new Redis(target.url);
}

/** The environment that tells a child process the target (read back by targetFromEnv). */
export function targetEnv(target: TestTarget): Record<string, string> {
  return {
    REDIS_URL: target.url,
    ...(target.cluster ? { [CLUSTER_ENV]: JSON.stringify(target.cluster) } : {}),
    ...(target.shards ? { [SHARDS_ENV]: String(target.shards) } : {}),
  };
}

/** In a child process: the target its test named. */
export function targetFromEnv(): TestTarget {
  const cluster = process.env[CLUSTER_ENV];
  const shards = process.env[SHARDS_ENV];
  return {
    url: process.env.REDIS_URL ?? '',
    ...(cluster ? { cluster: JSON.parse(cluster) as TestTarget['cluster'] } : {}),
    ...(shards ? { shards: Number(shards) } : {}),
  };
}

/** Every node of the target: where to look for keys and connections. */
export function targetNodes(target: TestTarget): Redis[] {
  if (!target.cluster) return [new Redis(target.url)];
  return target.cluster.map(({ host, port }) => new Redis({ host, port }));
}
