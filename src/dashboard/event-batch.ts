/**
 * The event stream's SSE wire format, and the batches the dashboard's streams share. An event is
 * decoded and serialised once, when its batch is made; each filter (one run, or every run) gets
 * its SSE text built once per batch, however many streams read it.
 *
 * Wire format (api-types.ts): one message per chunk of a batch, `id:` the chunk's last event id,
 * `event: celeriac`, `data:` a JSON array of EventJson.
 */
import { type CeleriacEvent, compareEventOrder, type EventOrder, eventOrder } from '../store/events.js';
import { eventJson } from './event-json.js';

/** A message holds at most this many events, and stops growing past this many bytes of JSON: a page parses it in one go. */
const CHUNK_EVENTS = 500;
const CHUNK_BYTES = 64 * 1024;

export interface SerialisedEvent {
  readonly id: string;
  readonly runId: string;
  /** JSON.stringify(eventJson(event)). */
  readonly json: string;
}

export function serialiseEvent(event: CeleriacEvent): SerialisedEvent {
  return { id: event.id, runId: event.runId, json: JSON.stringify(eventJson(event)) };
}

function orderOf(id: string): EventOrder {
  const order = eventOrder(id);
  // Event ids come from the store's decoder, which makes them `<entry id>-<index>`.
  if (order === null) throw new TypeError(`not an event id: ${id}`);
  return order;
}

/** SSE messages for `events` (in order): one per chunk; '' for none. */
export function sseMessages(events: readonly SerialisedEvent[]): string {
  let text = '';
  let start = 0;
  while (start < events.length) {
    let end = start;
    let bytes = 0;
    while (end < events.length && end - start < CHUNK_EVENTS && (end === start || bytes < CHUNK_BYTES)) {
      bytes += events[end]!.json.length + 1;
      end++;
    }
    const chunk = events.slice(start, end);
    // Event ids are `<ms>-<seq>-<index>` and JSON has no newline: both fit an SSE field as they are.
    text += `id: ${chunk.at(-1)!.id}\nevent: celeriac\ndata: [${chunk.map((event) => event.json).join(',')}]\n\n`;
    start = end;
  }
  return text;
}

/** The events of one read, in stream order, with their SSE text per filter made on first use. */
export class EventBatch {
  readonly first: EventOrder;
  readonly last: EventOrder;
  readonly lastId: string;
  /** Bytes of JSON, what the ring counts. */
  readonly bytes: number;
  /** runId (or '' for every run) → SSE text. */
  private readonly texts = new Map<string, string>();

  constructor(readonly events: readonly SerialisedEvent[]) {
    if (events.length === 0) throw new RangeError('an event batch holds at least one event');
    this.first = orderOf(events[0]!.id);
    this.lastId = events.at(-1)!.id;
    this.last = orderOf(this.lastId);
    this.bytes = events.reduce((sum, event) => sum + event.json.length, 0);
  }

  static of(events: readonly CeleriacEvent[]): EventBatch {
    return new EventBatch(events.map(serialiseEvent));
  }

  /**
   * The SSE text of this batch's events of `runId` (every run when undefined) that come after
   * `position` (all of them when null): shared between streams unless `position` cuts the batch.
   */
  textFor(runId: string | undefined, position: EventOrder | null): string {
    if (position !== null && compareEventOrder(this.last, position) <= 0) return '';
    const match = (event: SerialisedEvent): boolean => runId === undefined || event.runId === runId;
    if (position !== null && compareEventOrder(this.first, position) <= 0) {
      return sseMessages(this.events.filter((event) => match(event) && compareEventOrder(orderOf(event.id), position) > 0));
    }
    const key = runId ?? '';
    let text = this.texts.get(key);
    if (text === undefined) {
      text = sseMessages(runId === undefined ? this.events : this.events.filter(match));
      this.texts.set(key, text);
    }
    return text;
  }
}

export interface RingLimits {
  readonly maxEvents: number;
  readonly maxBytes: number;
}

/**
 * The newest batches, bounded by events and bytes. It holds every event after `floor` (up to the
 * newest batch): a stream whose position is at or after the floor is served from here; an older
 * one must read Redis. Only a cache: losing it (a restart) costs reads, never events.
 */
export class EventRing {
  private batches: EventBatch[] = [];
  /** Index of the oldest batch kept (dropping from the front without shifting the array each time). */
  private head = 0;
  private events = 0;
  private bytes = 0;

  constructor(
    private floor: EventOrder,
    private readonly limits: RingLimits,
  ) {}

  /** The newest event's position; null while empty. */
  get newest(): EventOrder | null {
    return this.batches.length > this.head ? this.batches.at(-1)!.last : null;
  }

  covers(position: EventOrder): boolean {
    return compareEventOrder(position, this.floor) >= 0;
  }

  push(batch: EventBatch): void {
    this.batches.push(batch);
    this.events += batch.events.length;
    this.bytes += batch.bytes;
    // The newest batch stays even when it alone is over the limits: it is what streams are sent now.
    while ((this.events > this.limits.maxEvents || this.bytes > this.limits.maxBytes) && this.batches.length - this.head > 1) {
      const dropped = this.batches[this.head]!;
      this.head++;
      this.events -= dropped.events.length;
      this.bytes -= dropped.bytes;
      this.floor = dropped.last;
    }
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.batches = this.batches.slice(this.head);
      this.head = 0;
    }
  }

  /** The SSE text of every kept event of `runId` (every run when undefined) after `position`. */
  textAfter(runId: string | undefined, position: EventOrder): string {
    let text = '';
    for (let i = this.head; i < this.batches.length; i++) text += this.batches[i]!.textFor(runId, position);
    return text;
  }
}
