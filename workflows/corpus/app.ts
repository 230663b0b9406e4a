import { createApp } from '../../src/index.js';
import { defineCorpusTasks } from './tasks.js';

/** Where the demo's Redis is, and the namespace of its keys (so it never meets other apps). */
export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const prefix = process.env.CELERIAC_PREFIX ?? 'celeriac-demo';

/** The corpus app: submitters and workers import this same module, so they share task names. */
export const app = createApp({ redis: redisUrl, prefix });
export const tasks = defineCorpusTasks(app);

export default app;
