import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventJson } from '../../src/dashboard/api-types.js';
import { DEFAULT_SSE_OPTIONS, type SseOptions } from '../../src/dashboard/sse.js';
import { type App, chain, group, taskContext } from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { SseReader, useDashboards } from '../helpers/dashboard.js';
import { canvasTasks } from '../helpers/tasks.js';

const ended = (runId: string) => (events: readonly EventJson[]): boolean => events.some((event) => event.runId === runId && event.type === 'run.succeeded');
const ids = (events: readonly EventJson[]): string[] => events.map((event) => event.id);

/** Every event of the app's stream so far, read straight from Redis (the reference the streams are held to). */
async function allEvents(app: App, until: (events: readonly EventJson[]) => boolean): Promise<EventJson[]> {
  const events: EventJson[] = [];
  for await (const event of app.events({ after: '0-0' })) {
    events.push({ ...event, at: event.at.getTime() } as EventJson);
    if (until(events)) break;
  }
  return events;
}

function sse(options: Partial<SseOptions['hub']> & { maxPendingBytes?: number }): SseOptions {
  const { maxPendingBytes, ...hub } = options;
  return { hub: { ...DEFAULT_SSE_OPTIONS.hub, ...hub }, maxPendingBytes: maxPendingBytes ?? DEFAULT_SSE_OPTIONS.maxPendingBytes };
}

describe('dashboard event hub: one reader for every stream', () => {
  const startDashboard = useDashboards();
  const makeApp = useApps();
  const redis = useRedis();

  /** The app's open event-stream connections on the server (the hub's, and any stream reading on its own). */
  const readers = async (app: App): Promise<number> =>
    String(await redis().client('LIST'))
      .split('\n')
      .filter((line) => line.includes(`name=celeriac:${app.config.prefix}:events-stream`)).length;
  const readersBecome = async (app: App, count: number): Promise<void> => {
    // Polled until true: the test's timeout fails it otherwise.
    while ((await readers(app)) !== count) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it('gives each stream exactly its filter’s events, in order, once, from one reader', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const { url } = await startDashboard(app);
    const all = await SseReader.open(`${url}api/events`);
    const [first, second] = [await app.submit(chain(add.si(1, 1), group(add.s(1), add.s(2), add.s(3)), tsum.s())), await app.submit(chain(add.si(2, 2), add.s(5)))];
    const sameA = await SseReader.open(`${url}api/events?run=${first.id}&after=0-0`);
    const sameB = await SseReader.open(`${url}api/events?run=${first.id}&after=0-0`);
    const other = await SseReader.open(`${url}api/events?run=${second.id}&after=0-0`);
    await app.worker({ concurrency: 4 }).start();
    const bothEnded = (events: readonly EventJson[]): boolean => ended(first.id)(events) && ended(second.id)(events);

    const reference = await allEvents(app, bothEnded);
    const got = {
      all: await all.reader.events(bothEnded),
      sameA: await sameA.reader.events(ended(first.id)),
      sameB: await sameB.reader.events(ended(first.id)),
      other: await other.reader.events(ended(second.id)),
    };
    // Four streams, one reader: those opened at 0-0 caught up on their own and joined it.
    await readersBecome(app, 1);
    for (const { reader } of [all, sameA, sameB, other]) reader.close();

    expect(got.all).toEqual(reference);
    const ofRun = (runId: string): EventJson[] => reference.filter((event) => event.runId === runId);
    expect(got.sameA).toEqual(ofRun(first.id));
    expect(got.sameB).toEqual(ofRun(first.id));
    expect(got.other).toEqual(ofRun(second.id));
    expect(new Set(ids(got.all)).size).toBe(got.all.length);
  });

  it('replays a stream opened inside the ring from memory', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const { url } = await startDashboard(app);
    const live = await SseReader.open(`${url}api/events`);
    const run = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1)));
    await app.worker().start();
    const events = await live.reader.events(ended(run.id));

    // Redis no longer holds these events: only the ring can send them.
    await redis().del(app.keys.shards[0]!.events);
    const cut = 2;
    const replayed = await SseReader.open(`${url}api/events?run=${run.id}&after=${events[cut]!.id}`);
    expect(await replayed.reader.events(ended(run.id))).toEqual(events.slice(cut + 1));
    const reconnected = await SseReader.open(`${url}api/events?after=0-0`, { 'last-event-id': events[cut]!.id });
    expect(await reconnected.reader.events(ended(run.id))).toEqual(events.slice(cut + 1));
    for (const { reader } of [live, replayed, reconnected]) reader.close();
  });

  it('loses nothing for a stream older than the ring, or from before the reader started: it reads Redis until it catches up', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const { url } = await startDashboard(app, { sse: sse({ maxEvents: 3 }) });
    const earlier = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1), add.s(1)));
    await app.worker().start();
    await earlier.result();
    const reference = await allEvents(app, ended(earlier.id));

    // No reader yet: it starts at "now", after every event of `earlier`.
    const fromStart = await SseReader.open(`${url}api/events?after=0-0`);
    expect(await fromStart.reader.events(ended(earlier.id))).toEqual(reference);

    // A run through the reader, enough batches to push its first events out of a 3-event ring.
    const later = await app.submit(chain(add.si(2, 2), add.s(1), add.s(1), add.s(1)));
    const seen = await fromStart.reader.events(ended(later.id));
    expect(seen).toEqual((await allEvents(app, ended(later.id))).slice(reference.length));
    const reconnected = await SseReader.open(`${url}api/events?run=${later.id}`, { 'last-event-id': seen[0]!.id });
    expect(await reconnected.reader.events(ended(later.id))).toEqual(seen.slice(1));
    // Both joined the one reader once caught up.
    await readersBecome(app, 1);
    fromStart.reader.close();
    reconnected.reader.close();
  });

  it('stops its reader after the last stream closes, starts it again for the next, and stops it on dashboard.close()', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const { url, dashboard } = await startDashboard(app, { sse: sse({ lingerMs: 0 }) });
    const a = await SseReader.open(`${url}api/events`);
    const b = await SseReader.open(`${url}api/events`);
    expect(await readers(app)).toBe(1);
    a.reader.close();
    b.reader.close();
    await readersBecome(app, 0);

    const c = await SseReader.open(`${url}api/events`);
    const run = await app.submit(add.si(1, 1));
    await app.worker().start();
    expect((await c.reader.events(ended(run.id))).map((event) => event.type)).toEqual(['run.submitted', 'node.started', 'node.succeeded', 'run.succeeded']);
    await dashboard.close();
    expect(await c.reader.next()).toBeNull();
    // The app is still open: the dashboard itself let go of its connection.
    await readersBecome(app, 0);
  });

  it("ends every hub-fed stream with celeriac-error when the reader's read fails, and a new stream starts a new reader", async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const { url } = await startDashboard(app);
    const a = await SseReader.open(`${url}api/events`);
    const b = await SseReader.open(`${url}api/events?run=01J00000000000000000000000`);
    // The stream's key holding another type: the reader's next XREAD (within its 5 s block) is answered WRONGTYPE.
    const admin = redis();
    await admin.del(app.keys.shards[0]!.events);
    await admin.set(app.keys.shards[0]!.events, 'not a stream');
    for (const { reader } of [a, b]) {
      let message = await reader.next();
      while (message !== null && message.event !== 'celeriac-error') message = await reader.next();
      expect(message?.event).toBe('celeriac-error');
      expect(JSON.parse(message!.data)).toMatchObject({ error: { code: 'STREAM_ENDED' } });
      expect(await reader.next()).toBeNull();
    }
    await admin.del(app.keys.shards[0]!.events);
    const c = await SseReader.open(`${url}api/events`);
    const run = await app.submit(add.si(1, 1));
    await app.worker().start();
    expect((await c.reader.events(ended(run.id))).at(-1)?.type).toBe('run.succeeded');
    c.reader.close();
  });

  it('cuts a stream whose page does not read, and keeps feeding the others', async () => {
    const app = makeApp();
    const talker = app.task({ name: 'talker' }, async (n: number) => {
      // About 8 MB of progress events: more than the sockets' buffers between here and the page.
      for (let i = 0; i < n; i++) await taskContext().progress('x'.repeat(200_000));
      return n;
    });
    const { url, dashboard } = await startDashboard(app, { sse: sse({ maxPendingBytes: 256 * 1024 }) });
    // The page that never reads comes over a Unix socket: its kernel buffers are a few hundred KiB,
    // where loopback TCP's grow to tens of MiB and would take the whole run without the server noticing.
    const socketPath = join(tmpdir(), `celeriac-${randomUUID()}.sock`);
    const unixServer = createServer((req, res) => dashboard.handler(req, res));
    await new Promise<void>((resolve) => unixServer.listen(socketPath, resolve));
    const run = await app.submit(talker.s(40));
    const reading = await SseReader.open(`${url}api/events?run=${run.id}`);
    // The server closes the page's connection once 256 KiB are pending (seen on the server side:
    // a paused client reads nothing, the end of its stream included).
    const cut = new Promise<void>((closed) => unixServer.once('connection', (socket) => socket.once('close', () => closed())));
    await new Promise<void>((opened) => {
      const req = request({ socketPath, path: `/api/events?run=${run.id}` }, (res) => {
        res.pause();
        opened();
      });
      req.on('error', () => undefined);
      req.end();
    });
    await app.worker().start();
    await cut;
    const events = await reading.reader.events(ended(run.id));
    reading.reader.close();
    unixServer.closeAllConnections();
    await new Promise((resolve) => unixServer.close(resolve));
    expect(events.filter((event) => event.type === 'node.progress')).toHaveLength(40);
  });
});
