/**
 * GET /api/events: the app's event stream (app.events()) as Server-Sent Events, one message per
 * batch of events (event-batch.ts). Each message carries its last event's id, so a browser that
 * reconnects sends Last-Event-ID and continues after it, losing nothing the stream still retains.
 *
 * A stream is fed by the dashboard's one reader (event-hub.ts) when its position is in the
 * reader's ring (or it has none: from now). Otherwise it reads Redis on its own iterator from
 * its position, and joins the hub once it has caught up with the ring. Nothing is polled.
 *
 * Backpressure: a stream reading on its own waits for its page to drain each write. The hub waits
 * for no page, so a hub-fed stream whose unsent output is past `maxPendingBytes` when its next
 * write comes is cut: the browser reconnects with the Last-Event-ID of the last whole message it
 * got, and is replayed from the ring (or from Redis when it fell behind the ring). Memory per
 * page stays bounded.
 */
import type { ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { type EventOrder, eventOrder } from '../store/events.js';
import { RESPONDED, type RequestContext } from './context.js';
import { serialiseEvent, sseMessages } from './event-batch.js';
import { BATCH_EVENTS, BatchReader, DEFAULT_HUB_OPTIONS, EventHub, type HubOptions, type HubSubscriber } from './event-hub.js';
import { badRequest, HttpError } from './http.js';
import { runIdParam, stringParam } from './params.js';

/** Comment lines at this interval keep proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** The browser's wait before reconnecting. */
const RETRY_MS = 2_000;

export interface SseOptions {
  readonly hub: HubOptions;
  /** A hub-fed stream with more unsent output than this is cut (its page reconnects). */
  readonly maxPendingBytes: number;
}

/** Above the ring's byte limit, so replaying the whole ring to a fresh stream never cuts it. */
export const DEFAULT_SSE_OPTIONS: SseOptions = { hub: DEFAULT_HUB_OPTIONS, maxPendingBytes: 2 * DEFAULT_HUB_OPTIONS.maxBytes };

/** The open streams of one dashboard and their shared reader: close() ends them. */
export class SseStreams {
  private readonly open = new Map<AbortController, Promise<void>>();
  private closed = false;
  readonly hub: EventHub;

  constructor(
    app: App,
    readonly options: SseOptions = DEFAULT_SSE_OPTIONS,
  ) {
    this.hub = new EventHub(app, options.hub);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  track(controller: AbortController, done: Promise<void>): void {
    this.open.set(controller, done);
    void done.finally(() => this.open.delete(controller));
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.open];
    for (const [controller] of pending) controller.abort();
    await Promise.all([this.hub.close(), ...pending.map(([, done]) => done)]);
  }
}

function write(res: ServerResponse, text: string): void {
  if (!res.writableEnded && !res.destroyed) res.write(text);
}

function errorMessage(message: string): string {
  return `event: celeriac-error\ndata: ${JSON.stringify({ error: { code: 'STREAM_ENDED', message } })}\n\n`;
}

/**
 * Write, and when the socket's buffer is full wait until it drains (or the page goes away): a
 * slow page then slows its own reads of the stream instead of piling events up in memory.
 */
async function writeInTurn(res: ServerResponse, text: string): Promise<void> {
  if (res.writableEnded || res.destroyed || res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Where to start: Last-Event-ID (a reconnect) wins over ?after= (the view's position); else from now. */
function startPosition({ req, url }: RequestContext): string | undefined {
  const header = req.headers['last-event-id'];
  const lastEventId = Array.isArray(header) ? header[0] : header;
  if (lastEventId !== undefined && lastEventId !== '') {
    if (!eventOrder(lastEventId)) throw badRequest('Last-Event-ID', 'must be an event id sent by this stream');
    return lastEventId;
  }
  const after = stringParam(url, 'after', 64);
  if (after !== undefined && !eventOrder(after)) throw badRequest('after', 'must be an event id or a stream position ("0-0")');
  return after;
}

/** One open response as the hub sees it; `ended` settles when the stream is over, for whatever reason. */
class Stream implements HubSubscriber {
  position: EventOrder | null;
  readonly ended: Promise<void>;
  private finish!: () => void;
  private over = false;

  constructor(
    private readonly res: ServerResponse,
    readonly runId: string | undefined,
    start: string | undefined,
    private readonly maxPendingBytes: number,
    signal: AbortSignal,
  ) {
    this.position = start === undefined ? null : eventOrder(start);
    this.ended = new Promise((resolve) => (this.finish = resolve));
    if (signal.aborted) this.stop();
    else signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  get isOver(): boolean {
    return this.over;
  }

  deliver(text: string): void {
    if (this.over) return;
    // Judged on what earlier writes left unsent: a page that keeps up takes any one write.
    if (this.res.writableLength > this.maxPendingBytes) {
      // Dropping what is buffered frees it now; the page resumes from its last whole message.
      this.res.destroy();
      this.stop();
      return;
    }
    write(this.res, text);
  }

  fail(message: string): void {
    // Redis went away: the browser reconnects (retry:) and resumes from its Last-Event-ID.
    write(this.res, errorMessage(message));
    this.stop();
  }

  end(): void {
    this.stop();
  }

  stop(): void {
    this.over = true;
    this.finish();
  }
}

/**
 * Reads from `stream.position` on an iterator of the stream's own until the hub's ring covers
 * where it stands, then hands the stream to the hub. Unfiltered, so that every event moves the
 * position on (a quiet run's stream still catches up); the run filter is applied here.
 */
async function catchUp(app: App, hub: EventHub, stream: Stream, res: ServerResponse, start: string | undefined, signal: AbortSignal): Promise<void> {
  const reader = new BatchReader(app.events({ ...(start !== undefined ? { after: start } : {}), signal }), BATCH_EVENTS);
  try {
    while (!stream.isOver) {
      const events = await reader.next();
      if (events === null) {
        stream.end();
        return;
      }
      const { runId } = stream;
      const mine = runId === undefined ? events : events.filter((event) => event.runId === runId);
      stream.position = eventOrder(events.at(-1)!.id);
      if (mine.length > 0) await writeInTurn(res, sseMessages(mine.map(serialiseEvent)));
      if (!stream.isOver && hub.attach(stream)) return;
    }
  } finally {
    await reader.close();
  }
}

/** GET /api/events?run=&after= */
export function eventsHandler(streams: SseStreams) {
  return async (context: RequestContext): Promise<typeof RESPONDED> => {
    const { app, req, res, url } = context;
    const runText = stringParam(url, 'run', 128);
    const runId = runText === undefined ? undefined : runIdParam(runText);
    const start = startPosition(context);
    if (streams.isClosed) throw new HttpError(503, 'DASHBOARD_CLOSED', 'the dashboard is closing');
    const { hub } = streams;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    req.on('close', stop);
    res.on('close', stop);
    // The hub reads where the stream stands before the headers go out: a client that waits for
    // them and then submits a run sees all of its events.
    let startError: unknown = null;
    try {
      await hub.acquire();
    } catch (error) {
      startError = error;
    }

    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    // nginx buffers responses unless told not to; a buffered stream is not live.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    write(res, `retry: ${RETRY_MS}\n: celeriac events\n\n`);

    const heartbeat = setInterval(() => write(res, ': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const stream = new Stream(res, runId, start, streams.options.maxPendingBytes, controller.signal);

    const done = (async () => {
      try {
        if (startError !== null) throw startError;
        if (!hub.attach(stream)) await catchUp(app, hub, stream, res, start, controller.signal);
        await stream.ended;
      } catch (error) {
        stream.fail(error instanceof Error ? error.message : String(error));
      } finally {
        hub.detach(stream);
        hub.release();
        clearInterval(heartbeat);
        req.off('close', stop);
        res.off('close', stop);
        if (!res.writableEnded) res.end();
      }
    })();
    streams.track(controller, done);
    await done;
    return RESPONDED;
  };
}
