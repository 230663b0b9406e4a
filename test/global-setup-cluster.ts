import type { TestProject } from 'vitest/node';
import { startRedisCluster } from './helpers/redis-cluster.js';

/** Shards of the cluster suite's apps: more than the primaries, so that each primary holds several. */
const SHARDS = 6;

/**
 * The cluster suite: one private Redis Cluster (three primaries) for the whole run; its apps
 * spread their runs over SHARDS shards (test/helpers/target.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startRedisCluster({ primaries: 3 });
  const first = cluster.startupNodes[0]!;
  const url = `redis://${first.host}:${first.port}`;
  project.provide('redisUrl', url);
  project.provide('redisTarget', { url, cluster: cluster.startupNodes, shards: SHARDS });
  return () => cluster.stop();
}
