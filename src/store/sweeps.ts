import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';
import type { RunStatus } from './records.js';
import { type CancelStep, cancelNodes } from './scripts/cancel-nodes.js';
import { enqueueRoots } from './scripts/enqueue-roots.js';
import { fireErrbacks } from './scripts/fire-errbacks.js';
import { type ReopenStep, reopenNodes } from './scripts/reopen-nodes.js';

export type { CancelStep, ReopenStep };

/**
 * Node ids per cancel-nodes and reopen-nodes call: each call is one atomic script that blocks
 * Redis while it runs, so a run of any size is swept in calls of this many nodes
 * (docs/performance.md, "Million-node runs", has what one call costs).
 */
export const SWEEP_NODES = 500;

/** One step of a cancel sweep (cancel-nodes.lua). */
export function cancelStep(redis: RedisClient, keys: KeySpace, runId: string, queues: readonly string[], limit: number): Promise<CancelStep> {
  return cancelNodes.run(redis, { shard: keys.forRun(runId), runId, queues, limit });
}

/** One step of a reopen sweep (reopen-nodes.lua). */
export function reopenStep(redis: RedisClient, keys: KeySpace, runId: string, queues: readonly string[], limit: number): Promise<ReopenStep> {
  return reopenNodes.run(redis, { shard: keys.forRun(runId), runId, queues, limit });
}

/**
 * Carry a cancel sweep on to its end. Returns the sweep's totals, including steps another
 * process took (the repair sweep may carry it on at the same time); the last sweep's when there
 * was none to carry on.
 */
export async function finishCancel(
  redis: RedisClient,
  keys: KeySpace,
  runId: string,
  queues: readonly string[],
  limit: number,
): Promise<{ cancelled: number; running: number }> {
  for (;;) {
    const step = await cancelStep(redis, keys, runId, queues, limit);
    if ('idle' in step || step.done) return { cancelled: step.cancelled, running: step.running };
  }
}

/**
 * Carry a reopen sweep on to its end. Returns the sweep's totals (as finishCancel's), and the
 * run's status at the end (null: there was no sweep left to carry on).
 */
export async function finishReopen(
  redis: RedisClient,
  keys: KeySpace,
  runId: string,
  queues: readonly string[],
  limit: number,
): Promise<{ reset: number; enqueued: number; status: RunStatus | null }> {
  for (;;) {
    const step = await reopenStep(redis, keys, runId, queues, limit);
    if ('idle' in step) return { reset: step.reset, enqueued: step.enqueued, status: null };
    if (step.done) return { reset: step.reset, enqueued: step.enqueued, status: step.status };
  }
}

/**
 * Enqueue the ready roots submit-run left to enqueue-roots, a range of node ids per call, until
 * none is left. Returns how many were enqueued.
 */
export async function finishRoots(redis: RedisClient, keys: KeySpace, runId: string, queues: readonly string[], limit: number): Promise<number> {
  const shard = keys.forRun(runId);
  let enqueued = 0;
  for (;;) {
    const step = await enqueueRoots.run(redis, { shard, runId, queues, limit });
    enqueued += step.enqueued;
    if (step.done) return enqueued;
  }
}

/**
 * Release the error callbacks that failures fired in a run (fire-errbacks.lua), with the keys
 * of every queue of the run. Returns how many nodes it enqueued; 0 for a run that is gone (it
 * leaves the shard's errbacks set all the same).
 */
export async function releaseErrbacks(redis: RedisClient, keys: KeySpace, runId: string): Promise<number> {
  const queuesJson = await redis.hget(keys.run(runId).run, 'queues');
  const queues = queuesJson === null ? [] : (JSON.parse(queuesJson) as string[]);
  return fireErrbacks.run(redis, { shard: keys.forRun(runId), runId, queues });
}
