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
  project.provide('redisTarget', { url: server.url });
  return () => server.stop();
}
