/**
 * One reader of the event stream per dashboard, so that open pages cost neither a blocked XREAD
 * nor a decode each: the hub runs one app.events() iterator, decodes and serialises each event
 * once, and hands each subscribed stream the SSE text of its filter. It keeps the newest events in a ring, so a stream that opens at a recent position
 * (a run view's `after`, a reconnect's Last-Event-ID) is replayed from memory.
 *
 * States: idle (no iterator) → starting (reading where the stream stands now: the ring's floor)
 * → running (one iterator from the floor) → idle again when the last stream has been gone for
 * `lingerMs`, when the iterator fails (its subscribers get the error and end; browsers reconnect)
 * or ends (app.close()), and on close(). A stream whose position the ring does not cover reads
 * Redis on its own until it has caught up, then subscribes (sse.ts).
 */
import type { App } from '../app.js';
import { type CeleriacEvent, compareEventOrder, type EventOrder, eventOrder } from '../store/events.js';
import { EventBatch, EventRing, type RingLimits } from './event-batch.js';
import { HttpError } from './http.js';

/** Events per batch at most: a backlog is sent as several batches rather than one huge one. */
export const BATCH_EVENTS = 2_000;
/**
 * Streams are written at most this often: a fan-out's worker writes an entry every millisecond or
 * so, and a write per entry per page cost more than the reading (a page draws per frame anyway).
 */
const FLUSH_MS = 50;

export interface HubOptions extends RingLimits {
  /** How long the reader stays up after its last stream closed (a page moving to another run reopens at once). */
  readonly lingerMs: number;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = { maxEvents: 10_000, maxBytes: 4 * 1024 * 1024, lingerMs: 10_000 };

/** A stream fed by the hub. Calls are synchronous: the hub never waits for a page. */
export interface HubSubscriber {
  readonly runId: string | undefined;
  /** Every event up to here has been handled (sent when it matched); null: from the hub's head. */
  position: EventOrder | null;
  deliver(text: string): void;
  /** The hub's reader failed: send the error and end. */
  fail(message: string): void;
  /** The hub stopped without error (app.close(), dashboard.close()): end. */
  end(): void;
}

const IDLE = Symbol('idle');

/**
 * An event iterator read in batches: what it has at hand now (what one XREAD returned), at most
 * `max` events. A batch ends when the next event is not ready before the event loop turns.
 */
export class BatchReader {
  private pending: Promise<IteratorResult<CeleriacEvent, undefined>> | null = null;

  constructor(
    private readonly iterator: AsyncIterator<CeleriacEvent, undefined>,
    private readonly max: number,
  ) {}

  /** The next batch, or null when the iterator ended. Throws what the iterator throws. */
  async next(): Promise<CeleriacEvent[] | null> {
    const first = await (this.pending ?? this.iterator.next());
    this.pending = null;
    if (first.done) return null;
    const batch = [first.value];
    const idle = new Promise<typeof IDLE>((resolve) => setImmediate(resolve, IDLE));
    while (batch.length < this.max) {
      const pending = this.iterator.next();
      // Kept for the next call; until then a rejection must not count as unhandled.
      pending.catch(() => undefined);
      const result = await Promise.race([pending, idle]);
      if (result === IDLE) {
        this.pending = pending;
        break;
      }
      if (result.done) break;
      batch.push(result.value);
    }
    return batch;
  }

  /** Stops the iterator (closing its connection). */
  async close(): Promise<void> {
    await this.iterator.return?.();
  }
}

type HubState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'starting'; readonly ready: Promise<void> }
  | {
      readonly kind: 'running';
      readonly ring: EventRing;
      readonly subscribers: Set<HubSubscriber>;
      readonly controller: AbortController;
      done: Promise<void>;
      /** Batches in the ring not yet written to the subscribers, and when they will be. */
      readonly unsent: EventBatch[];
      flushTimer: ReturnType<typeof setTimeout> | undefined;
      lastFlush: number;
    };

export class EventHub {
  private state: HubState = { kind: 'idle' };
  /** Open streams, subscribed or catching up: the reader runs while there is one. */
  private users = 0;
  private linger: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly app: App,
    private readonly options: HubOptions = DEFAULT_HUB_OPTIONS,
  ) {}

  /** True while the reader's iterator is open. */
  get running(): boolean {
    return this.state.kind === 'running';
  }

  /**
   * A stream opens: the reader starts if it was idle. Resolves once it runs; rejects when the
   * stream's position could not be read (Redis down): the stream then reports the error. Pair
   * with release().
   */
  async acquire(): Promise<void> {
    this.users++;
    clearTimeout(this.linger);
    this.linger = undefined;
    if (this.state.kind === 'idle') this.start();
    if (this.state.kind === 'starting') await this.state.ready;
  }

  release(): void {
    this.users--;
    if (this.users > 0 || this.state.kind === 'idle') return;
    clearTimeout(this.linger);
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.users === 0) void this.stop();
    }, this.options.lingerMs);
    this.linger.unref();
  }

  /**
   * Subscribes `subscriber` from `position` (its position; null: from the hub's head) when the
   * ring covers it, sending it the ring's events after that position first. False when the hub is
   * not running or the position is older than the ring: the caller reads Redis itself.
   * Synchronous, so nothing is published between the replay and the subscription.
   */
  attach(subscriber: HubSubscriber): boolean {
    if (this.state.kind !== 'running') return false;
    const { position } = subscriber;
    if (position !== null) {
      const { ring } = this.state;
      if (!ring.covers(position)) return false;
      const text = ring.textAfter(subscriber.runId, position);
      // The unsent batches were in that text: the next flush skips them for this stream.
      advance(subscriber, ring.newest);
      if (text !== '') subscriber.deliver(text);
    }
    this.state.subscribers.add(subscriber);
    return true;
  }

  detach(subscriber: HubSubscriber): void {
    if (this.state.kind === 'running') this.state.subscribers.delete(subscriber);
  }

  /** Stops the reader and ends its subscribers; acquire() after it fails. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.linger);
    if (this.state.kind === 'starting') await this.state.ready.catch(() => undefined);
    await this.stop();
  }

  private start(): void {
    if (this.closed) throw new HttpError(503, 'DASHBOARD_CLOSED', 'the dashboard is closing');
    const ready = this.app.eventPosition().then(
      (now) => {
        // Closed while reading the position: stay idle.
        if (this.closed) {
          this.state = { kind: 'idle' };
          return;
        }
        const floor = eventOrder(now);
        if (floor === null) {
          this.state = { kind: 'idle' };
          throw new TypeError(`not a stream position: ${now}`);
        }
        const controller = new AbortController();
        const reader = new BatchReader(this.app.events({ after: now, signal: controller.signal }), BATCH_EVENTS);
        const running: HubState & { kind: 'running' } = {
          kind: 'running',
          ring: new EventRing(floor, this.options),
          subscribers: new Set(),
          controller,
          done: Promise.resolve(),
          unsent: [],
          flushTimer: undefined,
          lastFlush: 0,
        };
        this.state = running;
        running.done = this.pump(reader, running);
      },
      (error: unknown) => {
        this.state = { kind: 'idle' };
        throw error;
      },
    );
    this.state = { kind: 'starting', ready };
  }

  private async pump(reader: BatchReader, running: HubState & { kind: 'running' }): Promise<void> {
    let failure: string | null = null;
    try {
      for (;;) {
        const events = await reader.next();
        if (events === null) break;
        this.publish(running, EventBatch.of(events));
      }
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    } finally {
      await reader.close();
    }
    this.flush(running);
    // stop() may have made this state idle already, and acquire() started the next reader since.
    if (this.state === running) this.state = { kind: 'idle' };
    const subscribers = [...running.subscribers];
    running.subscribers.clear();
    for (const subscriber of subscribers) {
      if (failure !== null) subscriber.fail(failure);
      else subscriber.end();
    }
  }

  private publish(running: HubState & { kind: 'running' }, batch: EventBatch): void {
    running.ring.push(batch);
    running.unsent.push(batch);
    if (running.flushTimer !== undefined) return;
    running.flushTimer = setTimeout(() => this.flush(running), Math.max(0, running.lastFlush + FLUSH_MS - Date.now()));
    running.flushTimer.unref();
  }

  /** One write per subscriber for every batch since the last flush. */
  private flush(running: HubState & { kind: 'running' }): void {
    clearTimeout(running.flushTimer);
    running.flushTimer = undefined;
    running.lastFlush = Date.now();
    const batches = running.unsent.splice(0);
    if (batches.length === 0) return;
    for (const subscriber of running.subscribers) {
      let text = '';
      for (const batch of batches) {
        text += batch.textFor(subscriber.runId, subscriber.position);
        advance(subscriber, batch.last);
      }
      if (text !== '') subscriber.deliver(text);
    }
  }

  private async stop(): Promise<void> {
    const state = this.state;
    if (state.kind !== 'running') return;
    this.state = { kind: 'idle' };
    clearTimeout(state.flushTimer);
    state.controller.abort();
    await state.done;
  }
}

/** A subscriber's position only moves forward: one that caught up on its own may be ahead of the hub. */
function advance(subscriber: HubSubscriber, to: EventOrder | null): void {
  if (to !== null && (subscriber.position === null || compareEventOrder(to, subscriber.position) > 0)) subscriber.position = to;
}
