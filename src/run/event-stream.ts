import type { Redis } from 'ioredis';
import { whenReady } from '../connection.js';
import {
  type CeleriacEvent,
  type EventPosition,
  lastEntryId,
  readEntries,
  readEntryAfter,
} from '../store/events.js';

/** Entries per XREAD: a wide group's completions arrive as many entries at once. */
const READ_COUNT = 500;
/** How long one XREAD blocks. A safety net only: close() interrupts a blocked read at once. */
const BLOCK_MS = 5_000;

export interface EventStreamSource {
  /** A connection of the stream's own (XREAD BLOCK holds it); closed with the stream. */
  readonly connect: () => Redis;
  /**
   * How long the first read waits for that connection (the app's connectTimeoutMs): a Redis that
   * is down when iteration starts fails it with RedisUnavailableError, as worker.start() does.
   * Later outages are ridden out.
   */
  readonly connectTimeoutMs: number;
  /**
   * The one read that fixes "now": the newest entry id, read on the app's command connection
   * within its connectTimeoutMs (so a Redis that is down fails the iteration with
   * RedisUnavailableError, as the app's other calls do).
   */
  readonly readNow: () => Promise<string>;
  readonly key: string;
  /** Where to start: after this event or entry; null for only what happens from now on. */
  readonly after: EventPosition | null;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  /** Called once when the stream closes (the app forgets it). */
  readonly onClose: () => void;
}

/**
 * `app.events()`: the app's event stream as an async iterator, live. It reads with XREAD BLOCK on
 * a connection of its own, which rides out a Redis outage (its commands wait and are sent again
 * on reconnect), so one iterator loses nothing the stream still holds. It ends on `break` (or
 * `return()`), on its AbortSignal, and on `app.close()`; a Redis error ends it by throwing, and
 * a new iterator with `after` set to the last event seen continues where it stopped.
 */
export class EventStream implements AsyncIterableIterator<CeleriacEvent> {
  private connection: Redis | null = null;
  /** The last stream entry read; null until the start ("now") is resolved. */
  private cursor: string | null;
  /** An entry whose later events are still to read (the `after` event's own entry). */
  private partial: EventPosition | null;
  private buffer: CeleriacEvent[] = [];
  private position = 0;
  private closed = false;
  private finished = false;
  private starting: Promise<void> | null = null;
  private startError: unknown = null;
  private readonly abortListener = (): void => void this.close();

  constructor(private readonly source: EventStreamSource) {
    const { after } = source;
    this.cursor = after ? after.entry : null;
    this.partial = after?.index !== undefined ? after : null;
    if (source.signal?.aborted) {
      // Nothing opened, nothing to close (the app does not keep a stream made already aborted).
      this.closed = true;
      this.finished = true;
      return;
    }
    source.signal?.addEventListener('abort', this.abortListener, { once: true });
    // "From now" is read at once, on the app's command connection: Redis runs that connection's
    // commands in order, so a stream made before this process submits a run sees all of its events.
    if (this.cursor === null) {
      this.starting = source.readNow().then(
        (id) => void (this.cursor ??= id),
        (error: unknown) => void (this.startError = error),
      );
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<CeleriacEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<CeleriacEvent, undefined>> {
    while (this.position >= this.buffer.length) {
      if (this.closed) return { done: true, value: undefined };
      try {
        await this.fill();
      } catch (error) {
        if (this.closed) return { done: true, value: undefined };
        await this.close();
        throw error;
      }
    }
    const event = this.buffer[this.position++]!;
    return { done: false, value: event };
  }

  async return(): Promise<IteratorResult<CeleriacEvent, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  /** Stop reading and close the stream's connection. Safe to call more than once. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.closed = true;
    this.source.signal?.removeEventListener('abort', this.abortListener);
    const connection = this.connection;
    this.connection = null;
    // disconnect, not quit: a blocked XREAD would hold a QUIT back for up to BLOCK_MS.
    connection?.disconnect();
    this.source.onClose();
  }

  private async fill(): Promise<void> {
    if (!this.connection) {
      this.connection = this.source.connect();
      await whenReady(this.connection, { timeoutMs: this.source.connectTimeoutMs });
    }
    const redis = this.connection;
    const { key } = this.source;
    let events: CeleriacEvent[];
    if (this.starting) {
      await this.starting;
      this.starting = null;
      if (this.startError !== null) throw this.startError;
    }
    if (this.cursor === null) {
      this.cursor = await lastEntryId(redis, key);
      return;
    }
    if (this.partial) {
      events = await readEntryAfter(redis, key, this.partial.entry, this.partial.index ?? -1);
      this.partial = null;
    } else {
      const read = await readEntries(redis, key, this.cursor, READ_COUNT, BLOCK_MS);
      events = read.events;
      this.cursor = read.last;
    }
    const { runId } = this.source;
    this.buffer = runId === undefined ? events : events.filter((event) => event.runId === runId);
    this.position = 0;
  }
}
