// The client's only door to the server: JSON GETs, token-bearing POSTs and the event stream, all
// resolved against the dashboard's base path so it works when mounted under a prefix.
import type { ActionResult, EventJson } from '../api-types.js';
import { basePath } from './router.js';

/** A failed request, carrying the server's ApiError code and message when it sent one. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export type Query = Readonly<Record<string, string | number | undefined | null>>;

export function apiUrl(path: string, query: Query = {}): string {
  const url = new URL(`api/${path}`, new URL(basePath, location.origin));
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, String(value));
  }
  return url.pathname + url.search;
}

async function failure(res: Response): Promise<ApiFailure> {
  let code = `HTTP_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body: unknown = await res.json();
    if (typeof body === 'object' && body !== null && 'error' in body) {
      const error: unknown = body.error;
      if (typeof error === 'object' && error !== null) {
        if ('code' in error && typeof error.code === 'string') code = error.code;
        if ('message' in error && typeof error.message === 'string') message = error.message;
      }
    }
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return new ApiFailure(res.status, code, message);
}

/** GET a route of the contract; the caller names the shape api-types.ts promises for it. */
export async function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const res = await fetch(apiUrl(path, query), { headers: { accept: 'application/json' }, signal: signal ?? null });
  if (!res.ok) throw await failure(res);
  const body: unknown = await res.json();
  return body as T;
}

export async function postAction(path: string, token: string, body?: object): Promise<ActionResult> {
  const res = await fetch(apiUrl(path), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw await failure(res);
  const result: unknown = await res.json();
  return result as ActionResult;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export interface EventsHandlers {
  /** One message's events, in stream order: a page applies them all, then draws once. */
  readonly onEvents: (events: readonly EventJson[]) => void;
  readonly onOpen?: (open: boolean) => void;
  /**
   * The browser gave up on the stream (an answer other than 200, e.g. a Last-Event-ID the stream
   * no longer holds): the page should re-read what it shows and open a new stream.
   */
  readonly onGone: () => void;
}

/**
 * Opens the event stream. EventSource reconnects by itself and resends Last-Event-ID, so a page
 * that loses its connection catches up without help. Returns the closer.
 */
export function openEvents(query: Query, { onEvents, onOpen, onGone }: EventsHandlers): () => void {
  const source = new EventSource(apiUrl('events', query));
  let gone: ReturnType<typeof setTimeout> | undefined;
  source.addEventListener('celeriac', (message: MessageEvent<string>) => {
    let events: unknown;
    try {
      events = JSON.parse(message.data);
    } catch {
      return;
    }
    // api-types.ts: each message is an array of EventJson.
    if (Array.isArray(events) && events.length > 0) onEvents(events as EventJson[]);
  });
  source.addEventListener('open', () => onOpen?.(true));
  source.addEventListener('error', () => {
    onOpen?.(source.readyState === EventSource.OPEN);
    // CLOSED means no more retries; wait a little so a server that is down is not hammered.
    if (source.readyState === EventSource.CLOSED && gone === undefined) gone = setTimeout(onGone, 3000);
  });
  return () => {
    clearTimeout(gone);
    source.close();
  };
}
