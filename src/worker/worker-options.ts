import { z } from 'zod';
import { queueNameSchema } from '../canvas/signature.js';
import { ConfigError } from '../errors/index.js';
import { DEFAULT_QUEUE } from '../graph/spec.js';
import { WORKER_BEAT_INTERVAL_MS } from '../store/workers.js';
import { describeZodError } from '../util/zod.js';
import type { WorkerEvent } from './events.js';

export interface WorkerOptions {
  /** Attempts run at once by this worker. Default 16. */
  readonly concurrency?: number;
  /** Queues to consume, most preferred first. Default ['default']. */
  readonly queues?: readonly string[];
  /**
   * Called with errors the worker survives: each failed attempt to reach Redis (while start()
   * waits, and during a later outage), a Redis that may evict keys (RedisEvictionPolicyError, at
   * start), bugs. Default: console.error.
   */
  readonly onError?: (error: unknown) => void;
  /**
   * Longest close() waits for the attempts in flight to finish and report. After it, their
   * AbortSignals fire (WorkerClosedError) and close() disconnects and returns: those attempts are
   * redelivered when their leases expire (their results, if they come, are not reported). Also
   * bounds close() when Redis is gone.
   * Default 20 s.
   */
  readonly closeTimeoutMs?: number;
  /**
   * How often the repair sweep runs, across all the app's workers: it re-enqueues nodes that
   * wait for a worker but whose message is in no queue (lost or deleted state; see
   * docs/reliability.md). 0 turns it off for this worker. Default 60 s.
   */
  readonly repairIntervalMs?: number;
  /**
   * Told how each attempt ended and of each repair sweep that re-enqueued something (for logs
   * and metrics). An error it throws goes to onError. Default: only repairs are reported, with
   * console.warn.
   */
  readonly onEvent?: (event: WorkerEvent) => void;
  /**
   * Fire the app's due schedules from this worker (docs/scheduling.md): any number of workers
   * may, each tick still starts one run. Default true.
   */
  readonly scheduler?: boolean;
  /** @internal How often the worker beats in the worker registry (tests shorten it). Default 5 s. */
  readonly presenceIntervalMs?: number;
}

const workerOptionsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(10_000).default(16),
    queues: z.array(queueNameSchema).min(1).default([DEFAULT_QUEUE]),
    onError: z.function().optional(),
    closeTimeoutMs: z.number().int().min(0).default(20_000),
    repairIntervalMs: z.number().int().min(0).default(60_000),
    scheduler: z.boolean().default(true),
    onEvent: z.function().optional(),
    presenceIntervalMs: z.number().int().min(10).default(WORKER_BEAT_INTERVAL_MS),
  })
  .strict();

/** A worker's options with their defaults, checked once at the edge. */
export interface WorkerSettings {
  readonly concurrency: number;
  readonly queues: readonly string[];
  readonly closeTimeoutMs: number;
  readonly repairIntervalMs: number;
  readonly scheduler: boolean;
  readonly presenceIntervalMs: number;
}

/** Check `app.worker()`'s options; a bad one throws ConfigError naming it. */
export function parseWorkerOptions(options: WorkerOptions): WorkerSettings {
  const parsed = workerOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError('app.worker()', describeZodError(parsed.error, 'options'));
  return parsed.data;
}
