import type { TestProject } from 'vitest/node';
import { startRedisServer } from './helpers/redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    redisTarget: import('./helpers/target.js').TestTarget;
  }
}

/** One private redis-server for the whole run; tests isolate themselves by key prefix. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startRedisServer();
  project.provide('redisUrl', server.url);
  // CELERIAC_TEST_SHARDS=n runs the suite with each app's runs over n shards (a check by hand:
  // tests that name keys assume one shard).
  const shards = Number(process.env.CELERIAC_TEST_SHARDS ?? 0);
  project.provide('redisTarget', { url: server.url, ...(shards > 1 ? { shards } : {}) });
  return () => server.stop();
}
