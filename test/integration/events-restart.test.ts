import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, type CeleriacEvent, chain, createApp } from '../../src/index.js';
import { decodeEntry } from '../../src/store/events.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';

/** Read events until `until` holds for the list so far (the test's timeout fails a stream that stalls). */
async function collect(stream: AsyncIterable<CeleriacEvent>, until: (events: readonly CeleriacEvent[]) => boolean): Promise<CeleriacEvent[]> {
  const events: CeleriacEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (until(events)) break;
  }
  return events;
}

const succeeded = (runId: string) => (events: readonly CeleriacEvent[]) =>
  events.some((event) => event.type === 'run.succeeded' && event.runId === runId);

describe('the event stream across a Redis restart', () => {
  let server: RedisServer | null = null;
  let app: App | null = null;
  afterEach(async () => {
    await app?.close();
    await server?.stop();
    app = null;
    server = null;
  });

  it('a consumer that reconnects after the restart, and one that rode it out, miss nothing that was retained', async () => {
    // appendfsync always: every acknowledged write (the stream's included) survives a SIGKILL.
    server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
    app = createApp({ redis: server.url, prefix: `events-restart-${randomUUID()}` });
    const { add } = canvasTasks(app);
    await app.worker({ concurrency: 4, onError: () => undefined }).start();

    const before = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1)));
    // One consumer stays connected throughout; its reads wait through the outage.
    const steady = collect(app.events({ after: '0-0' }), (events) => events.filter((event) => event.type === 'run.succeeded').length === 2);
    // Another reads part of the first run, then goes away with its cursor (mid-entry: a hop writes two events in one).
    const early = await collect(app.events({ after: '0-0' }), (events) => events.length === 3);
    expect(await before.result({ timeoutMs: 10_000 })).toBe(4);

    await server.kill();
    await server.restart();

    let after!: typeof before;
    for (;;) {
      // The app's command connection gives up on its commands while Redis is away: submit again.
      try {
        after = await app.submit(chain(add.si(2, 2), add.s(1)));
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(await after.result({ timeoutMs: 10_000 })).toBe(5);
    const resumed = await collect(app.events({ after: early.at(-1)!.id }), succeeded(after.id));
    const stayed = await steady;

    // What the stream holds now: both runs, start to finish.
    const entries = (await app.redis.xrange(app.keys.events, '-', '+')) as [string, string[]][];
    const retained = entries.flatMap(([id, fields]) => decodeEntry(id, fields));
    expect(retained.filter((event) => event.type === 'run.succeeded').map((event) => event.runId)).toEqual([before.id, after.id]);
    const ids = retained.map((event) => event.id);
    expect([...early, ...resumed].map((event) => event.id)).toEqual(ids);
    expect(stayed.map((event) => event.id)).toEqual(ids);
  });
});
