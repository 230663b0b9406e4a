import { whenReady } from '../connection.js';
import {
  type CeleriacEvent,
  decodeEntry,
  type EventPosition,
  formatStreamPosition,
  readEntry,
  readStreams,
  type StreamEntries,
  type StreamPosition,
} from '../store/events.js';
import type { RedisClient } from '../store/redis-client.js';

/** Entries per XREAD and stream: a wide group's completions arrive as many entries at once. */
const READ_COUNT = 500;
/** How long one XREAD blocks. A safety net only: close() interrupts a blocked read at once. */
const BLOCK_MS = 5_000;

export interface EventStreamSource {
  /** A connection of the stream's own (XREAD BLOCK holds it); closed with the stream. */
  readonly connect: () => RedisClient;
  /**
   * How long the first read waits for that connection (the app's connectTimeoutMs): a Redis that
   * is down when iteration starts fails it with RedisUnavailableError, as worker.start() does.
   * Later outages are ridden out.
   */
  readonly connectTimeoutMs: number;
  /**
   * The one read that fixes "now": the newest entry id of every shard's stream, read on the app's
   * command connection within its connectTimeoutMs (so a Redis that is down fails the iteration
   * with RedisUnavailableError, as the app's other calls do).
   */
  readonly readNow: () => Promise<readonly string[]>;
  /** Every shard's event stream, in shard order. */
  readonly keys: readonly string[];
  /** The shards whose streams are read: all of them, or the one that holds `runId`. */
  readonly follow: readonly number[];
  /**
   * Read each followed shard on a connection of its own (Redis Cluster, where one XREAD cannot
   * span slots); else one XREAD reads them all.
   */
  readonly separateReads: boolean;
  /** Where to start: after this event or cursor; null for only what happens from now on. */
  readonly after: StreamPosition | null;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  /** Called once when the stream closes (the app forgets it). */
  readonly onClose: () => void;
}

/** Shards read by one XREAD, on one connection, and that read while it is out. */
interface ReadGroup {
  readonly shards: readonly number[];
  connection: RedisClient | null;
  pending: Promise<{ readonly group: ReadGroup; readonly entries?: Map<string, StreamEntries>; readonly error?: unknown }> | null;
}

/**
 * `app.events()`: the app's event stream as an async iterator, live. It reads with XREAD BLOCK on
 * connections of its own (one, or one per shard on Redis Cluster), which ride out a Redis outage
 * (their commands wait and are sent again on reconnect), so one iterator loses nothing the streams
 * still hold. Each event's id is the reader's position in every shard's stream just after that
 * event. It ends on `break` (or `return()`), on its AbortSignal, and on `app.close()`; a Redis
 * error ends it by throwing, and a new iterator with `after` set to the last event seen continues
 * where it stopped.
 */
export class EventStream implements AsyncIterableIterator<CeleriacEvent> {
  /** Per shard: the last entry read, or inside an entry (the `after` event's); null until "now" is resolved. */
  private cursor: EventPosition[] | null;
  private readonly groups: ReadGroup[];
  private buffer: CeleriacEvent[] = [];
  private position = 0;
  private closed = false;
  private finished = false;
  private starting: Promise<void> | null = null;
  private startError: unknown = null;
  private readonly abortListener = (): void => void this.close();

  constructor(private readonly source: EventStreamSource) {
    const { after } = source;
    this.cursor = after ? [...after] : null;
    const { follow } = source;
    this.groups = source.separateReads
      ? follow.map((shard) => ({ shards: [shard], connection: null, pending: null }))
      : [{ shards: follow, connection: null, pending: null }];
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
        (ids) => void (this.cursor ??= ids.map((entry) => ({ entry }))),
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
    // disconnect, not quit: a blocked XREAD would hold a QUIT back for up to BLOCK_MS.
    for (const group of this.groups) {
      group.connection?.disconnect();
      group.connection = null;
    }
    this.source.onClose();
  }

  private async fill(): Promise<void> {
    for (const group of this.groups) {
      if (!group.connection) {
        group.connection = this.source.connect();
        await whenReady(group.connection, { timeoutMs: this.source.connectTimeoutMs });
      }
    }
    if (this.starting) {
      await this.starting;
      this.starting = null;
      if (this.startError !== null) throw this.startError;
    }
    const cursor = this.cursor;
    if (cursor === null) return; // not reached: readNow set it, or failed
    const events: CeleriacEvent[] = [];
    // The rest of the `after` event's own entry comes first.
    const partial = cursor.findIndex((position) => position.index !== undefined);
    if (partial >= 0) {
      const { entry, index } = cursor[partial]!;
      const connection = this.groups.find((group) => group.shards.includes(partial))?.connection ?? this.groups[0]!.connection!;
      this.append(events, partial, await readEntry(connection, this.source.keys[partial]!, entry), index);
      cursor[partial] = { entry };
    } else {
      for (const group of this.groups) group.pending ??= this.read(group, cursor);
      const done = await Promise.race(this.groups.map((group) => group.pending!));
      done.group.pending = null;
      if (done.error !== undefined) throw done.error;
      for (const shard of done.group.shards) {
        const entries = done.entries?.get(this.source.keys[shard]!);
        if (entries) this.append(events, shard, entries);
      }
    }
    const { runId } = this.source;
    this.buffer = runId === undefined ? events : events.filter((event) => event.runId === runId);
    this.position = 0;
  }

  /** One group's XREAD from where the cursor stands; never rejects (the error is handed back). */
  private read(group: ReadGroup, cursor: readonly EventPosition[]): NonNullable<ReadGroup['pending']> {
    const keys = group.shards.map((shard) => this.source.keys[shard]!);
    const after = group.shards.map((shard) => cursor[shard]!.entry);
    return readStreams(group.connection!, keys, after, READ_COUNT, BLOCK_MS).then(
      (entries) => ({ group, entries }),
      (error: unknown) => ({ group, error }),
    );
  }

  /** Decode one shard's entries (after event `afterIndex` of the first), each event with its id, and move the cursor past them. */
  private append(events: CeleriacEvent[], shard: number, entries: StreamEntries, afterIndex = -1): void {
    const cursor = this.cursor!;
    const single = cursor.length === 1;
    entries.forEach(([entry, fields], position) => {
      const idOf = (index: number): string => {
        if (single) return `${entry}-${index}`;
        const at = [...cursor];
        at[shard] = { entry, index };
        return formatStreamPosition(at);
      };
      for (const event of decodeEntry(entry, fields, position === 0 ? afterIndex : -1, idOf)) events.push(event);
      cursor[shard] = { entry };
    });
  }
}
