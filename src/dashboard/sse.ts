/**
 * GET /api/events: the app's event stream (app.events()) as Server-Sent Events. Each event is
 * sent with its id, so a browser that reconnects sends Last-Event-ID and continues after it,
 * losing nothing the stream still retains. Nothing is polled: each open page holds one blocked
 * XREAD on a connection of its own.
 */
import type { ServerResponse } from 'node:http';
import { parseEventPosition } from '../store/events.js';
import { RESPONDED, type RequestContext } from './context.js';
import { eventJson } from './event-json.js';
import { badRequest, HttpError } from './http.js';
import { runIdParam, stringParam } from './params.js';

/** Comment lines at this interval keep proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** The browser's wait before reconnecting. */
const RETRY_MS = 2_000;

/** The open streams of one dashboard: close() ends them. */
export class SseStreams {
  private readonly open = new Map<AbortController, Promise<void>>();
  private closed = false;

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
    await Promise.all(pending.map(([, done]) => done));
  }
}

function write(res: ServerResponse, text: string): void {
  if (!res.writableEnded && !res.destroyed) res.write(text);
}

/** Where to start: Last-Event-ID (a reconnect) wins over ?after= (the view's position); else from now. */
function startPosition({ req, url }: RequestContext): string | undefined {
  const header = req.headers['last-event-id'];
  const lastEventId = Array.isArray(header) ? header[0] : header;
  if (lastEventId !== undefined && lastEventId !== '') {
    if (!parseEventPosition(lastEventId)) throw badRequest('Last-Event-ID', 'must be an event id sent by this stream');
    return lastEventId;
  }
  const after = stringParam(url, 'after', 64);
  if (after !== undefined && !parseEventPosition(after)) throw badRequest('after', 'must be an event id or a stream position ("0-0")');
  return after;
}

/** GET /api/events?run=&after= */
export function eventsHandler(streams: SseStreams) {
  return async (context: RequestContext): Promise<typeof RESPONDED> => {
    const { app, req, res, url } = context;
    const runText = stringParam(url, 'run', 128);
    const runId = runText === undefined ? undefined : runIdParam(runText);
    const after = startPosition(context);
    if (streams.isClosed) throw new HttpError(503, 'DASHBOARD_CLOSED', 'the dashboard is closing');
    const controller = new AbortController();
    const events = app.events({ ...(runId !== undefined ? { runId } : {}), ...(after !== undefined ? { after } : {}), signal: controller.signal });

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
    const stop = (): void => controller.abort();
    req.on('close', stop);
    res.on('close', stop);

    const done = (async () => {
      try {
        for await (const event of events) {
          // Event ids are `<ms>-<seq>-<index>` and JSON has no newline: both fit an SSE field as they are.
          write(res, `id: ${event.id}\nevent: celeriac\ndata: ${JSON.stringify(eventJson(event))}\n\n`);
        }
      } catch (error) {
        // Redis went away: the browser reconnects (retry:) and resumes from its Last-Event-ID.
        const message = error instanceof Error ? error.message : String(error);
        write(res, `event: celeriac-error\ndata: ${JSON.stringify({ error: { code: 'STREAM_ENDED', message } })}\n\n`);
      } finally {
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
