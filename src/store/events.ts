import type { Redis } from 'ioredis';

/**
 * The event stream's format, read side (includes/events.lua writes it; nothing else reads it).
 * One stream entry holds the events of one script call: `run`, <run id>, `events`, and one line
 * per event: `<type>|<node id>|<attempt>|<task>|<detail JSON>`, then, when the call started attempts
 * for a worker, `worker`, <its registry id> (one per entry: a call starts attempts for one worker
 * only, and once per entry costs the stream less than once per node.started line). An event's id is its entry's id
 * and its position in the entry (`<ms>-<seq>-<index>`); its time is the entry id's milliseconds
 * (the Redis clock when the transition happened).
 */
export const EVENT_TYPES = [
  'run.submitted',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'run.reopened',
  'run.damaged',
  'node.queued',
  'node.started',
  'node.succeeded',
  'node.failed',
  'node.retrying',
  'node.cancelled',
  'node.progress',
] as const;
export type CeleriacEventType = (typeof EVENT_TYPES)[number];

/** The error a node.failed or node.retrying event carries: what the failed attempt threw. */
export interface EventError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

export interface EventBase {
  /** A cursor: `app.events({ after: id })` continues with the event after this one. */
  readonly id: string;
  /** When the transition happened (Redis clock). */
  readonly at: Date;
  readonly runId: string;
}

export interface NodeEventBase extends EventBase {
  readonly nodeId: string;
  readonly task: string;
  /** The attempt number (the node's fencing token). */
  readonly attempt: number;
}

export type RunSubmittedEvent = EventBase & { readonly type: 'run.submitted'; readonly name: string; readonly nodeCount: number };
export type RunSucceededEvent = EventBase & { readonly type: 'run.succeeded' };
export type RunFailedEvent = EventBase & { readonly type: 'run.failed'; readonly failedNode: string };
export type RunCancelledEvent = EventBase & { readonly type: 'run.cancelled' };
/** The run was resumed, or rerun from node `from`. A run.succeeded follows when nothing was left to do. */
export type RunReopenedEvent = EventBase & { readonly type: 'run.reopened'; readonly mode: 'resume' | 'rerun'; readonly from?: string };
/**
 * The repair sweep found the running run's stored state missing or malformed (`reason`, e.g.
 * `node 3 has no state`) and left it as it is; written once per new finding.
 */
export type RunDamagedEvent = EventBase & { readonly type: 'run.damaged'; readonly reason: string };
/**
 * A pending node's dependencies have all succeeded and it waits for a worker: ready now, or, with
 * `dueAt`, in the delayed set until then (countdown or eta). Not for a run's roots at submit
 * (run.submitted covers them), nor for a node a worker takes in the same call (node.started);
 * a reopen emits one for each node it enqueues, after run.reopened.
 */
export type NodeQueuedEvent = EventBase & {
  readonly type: 'node.queued';
  readonly nodeId: string;
  readonly task: string;
  /** When it becomes ready (Redis clock); absent when it is ready now. */
  readonly dueAt?: Date;
};
export type NodeStartedEvent = NodeEventBase & {
  readonly type: 'node.started';
  /** The registry id (as in `app.workers()`) of the worker that started the attempt; absent when a script started it for none. */
  readonly worker?: string;
};
export type NodeSucceededEvent = NodeEventBase & { readonly type: 'node.succeeded' };
export type NodeFailedEvent = NodeEventBase & { readonly type: 'node.failed'; readonly error: EventError };
export type NodeRetryingEvent = NodeEventBase & { readonly type: 'node.retrying'; readonly delayMs: number; readonly error: EventError };
/** A node that had not started (no attempt) or whose attempt was cut short because its run ended. */
export type NodeCancelledEvent = EventBase & { readonly type: 'node.cancelled'; readonly nodeId: string; readonly attempt?: number };
/** The running attempt's `taskContext().progress(value)`. */
export type NodeProgressEvent = NodeEventBase & { readonly type: 'node.progress'; readonly progress: unknown };

export type CeleriacEvent =
  | RunSubmittedEvent
  | RunSucceededEvent
  | RunFailedEvent
  | RunCancelledEvent
  | RunReopenedEvent
  | RunDamagedEvent
  | NodeQueuedEvent
  | NodeStartedEvent
  | NodeSucceededEvent
  | NodeFailedEvent
  | NodeRetryingEvent
  | NodeCancelledEvent
  | NodeProgressEvent;

/** Where a reader stands: after stream entry `entry`, or inside it, after its event `index`. */
export interface EventPosition {
  readonly entry: string;
  readonly index?: number;
}

const positionPattern = /^(\d+)-(\d+)(?:-(\d+))?$/;

/** An event id (`<ms>-<seq>-<index>`), or a stream entry id (`<ms>-<seq>`, e.g. `0-0` for the start), or null. */
export function parseEventPosition(text: string): EventPosition | null {
  const match = positionPattern.exec(text);
  if (!match) return null;
  const entry = `${match[1]}-${match[2]}`;
  return match[3] === undefined ? { entry } : { entry, index: Number(match[3]) };
}

/**
 * A position as numbers that sort as the stream does: [ms, seq, index], where an entry id alone
 * (after the whole entry) has index Infinity. Ids do not sort as strings ("9-0" > "10-0").
 */
export type EventOrder = readonly [ms: number, seq: number, index: number];

/** The order key of an event id or entry id, or null when it is neither. */
export function eventOrder(text: string): EventOrder | null {
  const match = positionPattern.exec(text);
  if (!match) return null;
  return [Number(match[1]), Number(match[2]), match[3] === undefined ? Infinity : Number(match[3])];
}

/** Negative when `a` comes before `b` in the stream, 0 when they are the same position. */
export function compareEventOrder(a: EventOrder, b: EventOrder): number {
  return a[0] - b[0] || a[1] - b[1] || (a[2] === b[2] ? 0 : a[2] < b[2] ? -1 : 1);
}

type Detail = Record<string, unknown>;

function parseDetail(text: string): Detail {
  if (text === '') return {};
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Detail) : {};
}

function eventError(value: unknown): EventError {
  const error = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof EventError, unknown>>;
  return {
    name: typeof error.name === 'string' ? error.name : 'Error',
    message: typeof error.message === 'string' ? error.message : '',
    ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
  };
}

/** One event from its line, or null when it is not one celeriac writes. `worker`: the entry's. */
function decodeEvent(base: EventBase, line: string, worker: string | undefined): CeleriacEvent | null {
  const first = line.indexOf('|');
  const second = line.indexOf('|', first + 1);
  const third = line.indexOf('|', second + 1);
  const fourth = line.indexOf('|', third + 1);
  if (first < 0 || second < 0 || third < 0 || fourth < 0) return null;
  const type = line.slice(0, first);
  const nodeId = line.slice(first + 1, second);
  const attemptText = line.slice(second + 1, third);
  const task = line.slice(third + 1, fourth);
  const detailText = line.slice(fourth + 1);
  const attempt = Number(attemptText);
  const node = { ...base, nodeId, task, attempt };
  switch (type) {
    case 'run.submitted': {
      const detail = parseDetail(detailText);
      return { ...base, type, name: String(detail.name ?? ''), nodeCount: Number(detail.nodeCount ?? 0) };
    }
    case 'run.succeeded':
    case 'run.cancelled':
      return { ...base, type };
    case 'run.failed':
      return { ...base, type, failedNode: String(parseDetail(detailText).failedNode ?? '') };
    case 'run.reopened': {
      const detail = parseDetail(detailText);
      const mode = detail.mode === 'rerun' ? 'rerun' : 'resume';
      return { ...base, type, mode, ...(typeof detail.from === 'string' ? { from: detail.from } : {}) };
    }
    case 'run.damaged':
      return { ...base, type, reason: String(parseDetail(detailText).reason ?? '') };
    case 'node.queued':
      // The detail is the due time in ms (a JSON number), or empty when ready now.
      return { ...base, type, nodeId, task, ...(detailText !== '' ? { dueAt: new Date(Number(detailText)) } : {}) };
    case 'node.started':
      return { ...node, type, ...(worker !== undefined ? { worker } : {}) };
    case 'node.succeeded':
      return { ...node, type };
    case 'node.failed':
      return { ...node, type, error: eventError(detailText === '' ? null : JSON.parse(detailText)) };
    case 'node.retrying': {
      const detail = parseDetail(detailText);
      return { ...node, type, delayMs: Number(detail.delayMs ?? 0), error: eventError(detail.error) };
    }
    case 'node.cancelled':
      return { ...base, type, nodeId, ...(attemptText !== '' ? { attempt } : {}) };
    case 'node.progress':
      return { ...node, type, progress: detailText === '' ? null : JSON.parse(detailText) };
    default:
      return null;
  }
}

/**
 * The events of one stream entry, in order, from index `after + 1` on. Parts that do not decode
 * (an entry written by hand) are skipped rather than ending a consumer's stream.
 */
export function decodeEntry(entryId: string, fields: readonly string[], after = -1): CeleriacEvent[] {
  if (fields[0] !== 'run' || fields[1] === undefined || fields[2] !== 'events' || fields[3] === undefined) return [];
  const at = new Date(Number(entryId.slice(0, entryId.indexOf('-'))));
  const runId = fields[1];
  const worker = fields[4] === 'worker' ? fields[5] : undefined;
  const events: CeleriacEvent[] = [];
  const lines = fields[3].split('\n');
  for (let index = after + 1; index < lines.length; index++) {
    let event: CeleriacEvent | null = null;
    try {
      event = decodeEvent({ id: `${entryId}-${index}`, at, runId }, lines[index]!, worker);
    } catch {
      event = null;
    }
    if (event) events.push(event);
  }
  return events;
}

type StreamEntries = [id: string, fields: string[]][];

/** The id of the stream's newest entry, or `0-0` when it is empty or missing. */
export async function lastEntryId(redis: Redis, key: string): Promise<string> {
  const newest = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntries;
  return newest[0]?.[0] ?? '0-0';
}

/** One entry's events after its event `index` ([] when the entry is no longer retained). */
export async function readEntryAfter(redis: Redis, key: string, entry: string, index: number): Promise<CeleriacEvent[]> {
  const entries = (await redis.xrange(key, entry, entry)) as StreamEntries;
  const found = entries[0];
  return found ? decodeEntry(found[0], found[1], index) : [];
}

/**
 * The entries after `entry` (up to `count`), waiting up to `blockMs` for one: their events, and the
 * id of the last entry read (`entry` when none came).
 */
export async function readEntries(
  redis: Redis,
  key: string,
  entry: string,
  count: number,
  blockMs: number,
): Promise<{ readonly events: CeleriacEvent[]; readonly last: string }> {
  const reply = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, entry)) as [string, StreamEntries][] | null;
  const entries = reply?.[0]?.[1] ?? [];
  const events: CeleriacEvent[] = [];
  let last = entry;
  for (const [id, fields] of entries) {
    for (const event of decodeEntry(id, fields)) events.push(event);
    last = id;
  }
  return { events, last };
}
