/**
 * The dashboard's HTTP API: what its server sends and its browser client reads. This module owns
 * those JSON shapes; it imports nothing (the client is compiled for the browser from the same
 * file). Times are milliseconds since the epoch on Redis's clock; absent means unknown.
 *
 * Routes (all under the dashboard's base path):
 *   GET  /api/config                       DashboardConfig
 *   GET  /api/runs?status=&name=&cursor=&limit=   RunsPage
 *   GET  /api/runs/:id/view?expand=g1,g7   RunView
 *   GET  /api/runs/:id/nodes/:node         NodeDetail
 *   GET  /api/queues                       QueuesPage
 *   GET  /api/workers                      WorkersPage
 *   GET  /api/dead-letters?limit=          DeadLettersPage
 *   GET  /api/events?run=&after=           Server-Sent Events: each `event: celeriac` message is a
 *                                          batch, `data:` a JSON array of EventJson in stream order
 *                                          (at most 500 events), `id:` its last event's id;
 *                                          `Last-Event-ID` resumes after it; `event: celeriac-error`
 *                                          (ApiError) just before the server ends it on a Redis
 *                                          error (EventSource reconnects). A page too slow to read
 *                                          its stream is cut, and reconnects likewise.
 *   POST /api/runs/:id/resume              ActionResult (token)
 *   POST /api/runs/:id/rerun  {from?}      ActionResult (token)
 *   POST /api/runs/:id/cancel              ActionResult (token)
 *   POST /api/dead-letters/clear           ActionResult (token)
 * Actions need `Authorization: Bearer <token>`; failures answer ApiError with a 4xx/5xx status.
 *
 * Every other GET that accepts text/html answers index.html (client routes: /runs/:id, /queues,
 * /workers, /dead-letters). The server adds `<meta name="celeriac-base" content="<base path>">`
 * to its head (the dashboard may be mounted under e.g. /celeriac/: the client prefixes its API
 * calls and routes with it), and rewrites `src="./…"` and `href="./…"` to the base path.
 */

// The store's NODE_STATUSES and RUN_STATUSES, copied because this module is compiled for the
// browser without the store; test/unit/dashboard-run-view.test.ts holds the copies equal.
export const STATUS_NAMES = ['pending', 'queued', 'delayed', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];
export const RUN_STATUS_NAMES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatusName = (typeof RUN_STATUS_NAMES)[number];

export interface ApiError {
  readonly error: { readonly code: string; readonly message: string };
}

export interface DashboardConfig {
  /** Actions (resume, rerun, cancel, clear) are on: the server was given a token. */
  readonly actions: boolean;
  /** Args and results are shown in the node panel. */
  readonly showValues: boolean;
  readonly prefix: string;
  readonly version: string;
}

export interface RunRow {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatusName;
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly nodeCount: number;
  readonly counts: Readonly<Record<StatusName, number>>;
}

export interface RunsPage {
  readonly runs: readonly RunRow[];
  /** Pass back as `cursor` for the next page; null on the last. */
  readonly cursor: string | null;
  /** When it was read (Redis's clock), for "how long ago". */
  readonly at: number;
}

/** What every drawn box shows about one node. */
export interface NodeBrief {
  readonly id: string;
  readonly task: string;
  readonly attempts: number;
  readonly queuedAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
}

/** A drawn box: one node, or a collapsed set of alike nodes (a wide group's members). */
export type ViewUnit =
  | { readonly kind: 'node'; readonly id: string; readonly node: NodeBrief }
  | {
      readonly kind: 'group';
      /** `g` + the smallest member's id: stable between reads, passed back in `expand`. */
      readonly id: string;
      readonly task: string;
      readonly size: number;
      /** Member node ids as inclusive ranges of numeric ids: [[0, 9999]]. */
      readonly members: readonly (readonly [number, number])[];
      /** Earliest start and latest finish of its members (the timeline's bar). */
      readonly startedAt?: number;
      readonly finishedAt?: number;
      /**
       * Set on what is left of an expanded group past the members drawn (at most 500 per
       * expansion): the expanded group's id. Expanding this unit's own id draws the next members.
       */
      readonly remainderOf?: string;
    };

export interface RunHeader {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatusName;
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly failedNode?: string;
  readonly reopened: number;
  readonly expiresAt?: number;
}

export interface RunView {
  readonly run: RunHeader;
  /** Node i's status is STATUS_NAMES[Number(statuses[i])] (node ids are 0..n-1). */
  readonly statuses: string;
  readonly units: readonly ViewUnit[];
  /** [from unit id, to unit id]: data flows from → to. Deduplicated. */
  readonly edges: readonly (readonly [string, string])[];
  /** The event stream's position when the view was read: open /api/events?run=…&after= it. */
  readonly after: string;
}

export interface EventErrorJson {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: string;
}

/** An event of the stream (app.events()) as JSON: `at` in ms; other fields as the event has them. */
export interface EventJson {
  readonly id: string;
  readonly type: string;
  readonly at: number;
  readonly runId: string;
  readonly nodeId?: string;
  readonly task?: string;
  readonly attempt?: number;
  readonly name?: string;
  readonly nodeCount?: number;
  readonly failedNode?: string;
  readonly mode?: 'resume' | 'rerun';
  readonly from?: string;
  readonly delayMs?: number;
  readonly error?: EventErrorJson;
  readonly progress?: unknown;
  /** The worker that started the attempt (node.started). */
  readonly worker?: string;
  /** node.queued: when a delayed node becomes due (absent when it is ready at once). */
  readonly dueAt?: number;
}

export interface NodeDetail {
  readonly runId: string;
  readonly id: string;
  readonly task: string;
  readonly status: StatusName;
  readonly queue: string;
  readonly attempts: number;
  readonly queuedAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Nodes it waits for, and nodes that wait for it. */
  readonly parents: readonly string[];
  readonly dependants: readonly string[];
  readonly error?: EventErrorJson;
  readonly progress?: unknown;
  /** This node's events still in the stream, oldest first (the stream keeps the newest events.maxLen). */
  readonly history: readonly EventJson[];
  /** JSON text, cut to a few KiB; only when the server shows values. */
  readonly args?: string;
  readonly result?: string;
  /** True when args or result were cut. */
  readonly truncated?: boolean;
}

export interface ThroughputPoint {
  /** Start of the bucket. */
  readonly at: number;
  readonly succeeded: number;
  readonly failed: number;
}

export interface QueueRow {
  readonly name: string;
  readonly ready: number;
  readonly delayed: number;
  readonly leased: number;
  readonly oldestReadyAgeMs: number | null;
  readonly bucketMs: number;
  /** Oldest first, covering the last minutes. */
  readonly throughput: readonly ThroughputPoint[];
}

export interface QueuesPage {
  readonly at: number;
  readonly queues: readonly QueueRow[];
}

export interface WorkerRow {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly inFlight: number;
  readonly startedAt: number;
  readonly lastSeenAt: number;
}

export interface WorkersPage {
  readonly at: number;
  readonly live: readonly WorkerRow[];
  readonly silent: readonly WorkerRow[];
}

export interface DeadLetterRow {
  readonly at: number;
  readonly queue: string;
  readonly message: string;
  readonly reason: string;
  readonly runId?: string;
  readonly nodeId?: string;
}

export interface DeadLettersPage {
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  readonly entries: readonly DeadLetterRow[];
}

/** What an action did, in words for the page, and the outcome as the app API returned it. */
export interface ActionResult {
  readonly message: string;
  readonly outcome: Readonly<Record<string, unknown>>;
}
