import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp, RedisUnavailableError } from '../../src/index.js';
import { freePort } from '../helpers/redis-server.js';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('app.events() when Redis cannot be reached', () => {
  it.each([
    ['from now (the first read fixes "now")', {}],
    ['after a cursor (the first read is the stream\'s own)', { after: '0-0' }],
  ])('%s: iterating fails with RedisUnavailableError within connectTimeoutMs, naming host:port', async (_label, options) => {
    const port = await freePort(); // nothing listens there
    const app = createApp({ redis: `redis://:s3cret@127.0.0.1:${port}`, prefix: `events-down-${randomUUID()}`, connectTimeoutMs: 500 });
    apps.push(app);
    const events = app.events(options);
    const error = await events.next().then(
      () => new Error('expected a rejection'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cret');
    // The iterator closed itself: nothing more comes.
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });
});
