import type { RedisClient } from './redis-client.js';

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
  'node.skipped',
  'node.expanded',
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
/** A node of a `when` branch that was not taken: it will not run, and counts as done for what follows the `when`. */
export type NodeSkippedEvent = EventBase & { readonly type: 'node.skipped'; readonly nodeId: string };
/**
 * A node's attempt added nodes to the run: a map node's element runs over `items` items, or a
 * replacement canvas (`items` 0); `nodes` added in all, from id `first` on (`itemNodes` of them
 * item nodes, first). The node is pending again until they are done (docs/canvas.md).
 */
export type NodeExpandedEvent = NodeEventBase & {
  readonly type: 'node.expanded';
  readonly first: string;
  readonly items: number;
  readonly nodes: number;
  readonly itemNodes: number;
};
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
  | NodeSkippedEvent
  | NodeExpandedEvent
  | NodeProgressEvent;

/** Where a reader stands in one shard's stream: after entry `entry`, or inside it, after its event `index`. */
export interface EventPosition {
  readonly entry: string;
  readonly index?: number;
}

/**
 * Where a reader stands in every shard's stream, in shard order. Its text (an event's id, a
 * cursor) is the shards' positions joined by commas; with one shard it is that shard's position
 * alone (`<ms>-<seq>-<index>` or `<ms>-<seq>`), as it was before shards.
 */
export type StreamPosition = readonly EventPosition[];

const positionPattern = /^(\d+)-(\d+)(?:-(\d+))?$/;

function parseOne(text: string): EventPosition | null {
  const match = positionPattern.exec(text);
  if (!match) return null;
  const entry = `${match[1]}-${match[2]}`;
  return match[3] === undefined ? { entry } : { entry, index: Number(match[3]) };
}

function formatOne(position: EventPosition): string {
  return position.index === undefined ? position.entry : `${position.entry}-${position.index}`;
}

/** The text of a position: an event id or a cursor. */
export function formatStreamPosition(position: StreamPosition): string {
  return position.map(formatOne).join(',');
}

/**
 * An event id or cursor of an app with `shards` shards, or null when it is not one. `0-0` (the
 * start) is accepted for any shard count and means the start of every shard's stream.
 */
export function parseStreamPosition(text: string, shards: number): StreamPosition | null {
  const parts = text.split(',');
  if (parts.length === 1 && shards > 1 && text === '0-0') return Array.from({ length: shards }, () => ({ entry: '0-0' }));
  if (parts.length !== shards) return null;
  const positions: EventPosition[] = [];
  for (const part of parts) {
    const position = parseOne(part);
    if (!position) return null;
    positions.push(position);
  }
  return positions;
}

/**
 * A position as numbers that sort as the streams do: [ms, seq, index] per shard, where an entry
 * id alone (after the whole entry) has index Infinity. Ids do not sort as strings ("9-0" > "10-0").
 */
export type EventOrder = readonly number[];

/** The order key of an event id or cursor (of any shard count), or null when it is neither. */
export function eventOrder(text: string): EventOrder | null {
  const order: number[] = [];
  for (const part of text.split(',')) {
    const match = positionPattern.exec(part);
    if (!match) return null;
    order.push(Number(match[1]), Number(match[2]), match[3] === undefined ? Infinity : Number(match[3]));
  }
  return order;
}

/**
 * Negative when `a` comes before `b`, 0 when they are the same position, positive when after.
 * With several shards positions are ordered shard by shard: those one reader hands out always
 * are, but two that each lead in another shard (or of different shard counts) are not, and
 * compare as NaN, so every `<`, `>` and `<=` test on them is false.
 */
export function compareEventOrder(a: EventOrder, b: EventOrder): number {
  if (a.length !== b.length) return Number.NaN;
  let sign = 0;
  for (let base = 0; base < a.length; base += 3) {
    const one = a[base]! - b[base]! || a[base + 1]! - b[base + 1]! || (a[base + 2] === b[base + 2] ? 0 : a[base + 2]! < b[base + 2]! ? -1 : 1);
    if (one === 0) continue;
    if (sign !== 0 && Math.sign(one) !== sign) return Number.NaN;
    sign = Math.sign(one);
  }
  return sign;
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
    case 'node.skipped':
      return { ...base, type, nodeId };
    case 'node.expanded': {
      const detail = parseDetail(detailText);
      return {
        ...node,
        type,
        first: String(detail.first ?? ''),
        items: Number(detail.items ?? 0),
        nodes: Number(detail.nodes ?? 0),
        itemNodes: Number(detail.itemNodes ?? 0),
      };
    }
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
export function decodeEntry(
  entryId: string,
  fields: readonly string[],
  after = -1,
  idOf: (index: number) => string = (index) => `${entryId}-${index}`,
): CeleriacEvent[] {
  if (fields[0] !== 'run' || fields[1] === undefined || fields[2] !== 'events' || fields[3] === undefined) return [];
  const at = new Date(Number(entryId.slice(0, entryId.indexOf('-'))));
  const runId = fields[1];
  const worker = fields[4] === 'worker' ? fields[5] : undefined;
  const events: CeleriacEvent[] = [];
  const lines = fields[3].split('\n');
  for (let index = after + 1; index < lines.length; index++) {
    let event: CeleriacEvent | null = null;
    try {
      event = decodeEvent({ id: idOf(index), at, runId }, lines[index]!, worker);
    } catch {
      event = null;
    }
    if (event) events.push(event);
  }
  return events;
}

export type StreamEntries = [id: string, fields: string[]][];

/** The id of a stream's newest entry, or `0-0` when it is empty or missing. */
export async function lastEntryId(redis: RedisClient, key: string): Promise<string> {
  const newest = (await redis.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntries;
  return newest[0]?.[0] ?? '0-0';
}

/** One entry's fields ([] when the entry is no longer retained). */
export async function readEntry(redis: RedisClient, key: string, entry: string): Promise<StreamEntries> {
  return (await redis.xrange(key, entry, entry)) as StreamEntries;
}

/**
 * The entries after `entries[k]` in each stream `keys[k]` (up to `count` each), waiting up to
 * `blockMs` for one: one XREAD, so the keys must share a slot on Redis Cluster.
 */
export async function readStreams(
  redis: RedisClient,
  keys: readonly string[],
  entries: readonly string[],
  count: number,
  blockMs: number,
): Promise<Map<string, StreamEntries>> {
  const reply = (await redis.xread('COUNT', count, 'BLOCK', blockMs, 'STREAMS', ...keys, ...entries)) as [string, StreamEntries][] | null;
  return new Map(reply ?? []);
}
