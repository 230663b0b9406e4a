// The options and answers of App's methods, and the schemas that check the options: kept out of
// app.ts so that the class reads as what an app does.
import { z } from 'zod';
import type { TaskContract } from './canvas/contract.js';
import type { Task, TaskHandler } from './canvas/task.js';
import { RUN_CURSOR_PATTERN } from './store/run-store.js';
import { RUN_STATUSES, type RunStatus } from './store/records.js';

export interface SubmitOptions {
  /** A name to find the run by (shown by inspect). Default: ''. */
  readonly name?: string;
  /** Use this id instead of a new ULID (idempotent submits: a second submit with it fails with RunExistsError). */
  readonly id?: string;
  /**
   * Start no node of the run before this instant: a Date, or an ISO 8601 string with its offset.
   * The run exists (and can be inspected or cancelled) at once; its first nodes wait in the
   * delayed set, as with a countdown. A time in the past starts the run at once.
   */
  readonly startAt?: Date | string;
}

/** A contract of any task. */
export type AnyContract = TaskContract<readonly unknown[], unknown, readonly unknown[], unknown>;
/** The handler a contract's types call for (the contract alone decides them, not the handler). */
export type HandlerOf<C> = C extends TaskContract<readonly unknown[], unknown, infer HA, infer HR> ? TaskHandler<HA, HR> : never;
/** The task that implementing a contract makes. */
export type TaskOf<C> = C extends TaskContract<infer A, infer R, infer HA, infer HR> ? Task<A, R, HA, HR> : never;

export interface ListRunsOptions {
  /** Only runs with this status. */
  readonly status?: RunStatus;
  /** Page size, 1 to 1000. Default 50. */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
  readonly nodeCount: number;
  /** Nodes not yet succeeded, failed or cancelled. */
  readonly unfinished: number;
}

export interface RunList {
  readonly runs: readonly RunSummary[];
  readonly cursor: string | null;
}

/** Options of `app.queues()`. */
export interface QueuesOptions {
  /** Queues to report beside the default queue and those of the running runs. */
  readonly names?: readonly string[];
}

export const listRunsSchema = z
  .object({
    status: z.enum(RUN_STATUSES).optional(),
    limit: z.number().int().min(1).max(1000).default(50),
    cursor: z.string().regex(RUN_CURSOR_PATTERN, 'must be a cursor returned by a previous listRuns() page').optional(),
  })
  .strict();

export interface EventsOptions {
  /** Only this run's events (filtered by the reader: the app has one stream). */
  readonly runId?: string;
  /**
   * Continue after this event (an event's `id`), or after a stream entry id (`'0-0'`: from the
   * oldest event still retained). Default: only what happens from now on.
   */
  readonly after?: string;
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "_" or "-"');

/** Options of `app.recentEvents()`. */
export interface RecentEventsOptions {
  readonly runId: string;
  /** Only this node's events. */
  readonly nodeId?: string;
  /** Most events returned, the newest; 1 to 10,000, default 200. */
  readonly limit?: number;
  /** Most stream entries looked at, newest first; 1 to 100,000, default 20,000 (the stream keeps about `events.maxLen`). */
  readonly scanLimit?: number;
}

export const recentEventsSchema = z
  .object({
    runId: runIdSchema,
    nodeId: z.string().regex(/^\d{1,9}$/, 'must be a node id (inspect() lists them)').optional(),
    limit: z.number().int().min(1).max(10_000).default(200),
    scanLimit: z.number().int().min(1).max(100_000).default(20_000),
  })
  .strict();
