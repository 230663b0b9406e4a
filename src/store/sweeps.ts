import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';
import { RUN_STATUSES, type RunStatus } from './records.js';
import { scripts } from './script.js';

/**
 * Node ids per cancel-nodes and reopen-nodes call: each call is one atomic script that blocks
 * Redis while it runs, so a run of any size is swept in calls of this many nodes
 * (docs/performance.md, "Million-node runs", has what one call costs).
 */
export const SWEEP_NODES = 500;

/** One cancel-nodes call: nodes cancelled and attempts found running in its range. */
export type CancelStep =
  | { readonly done: boolean; readonly cancelled: number; readonly running: number }
  | { readonly idle: RunStatus };

/** One reopen-nodes call: nodes reset and enqueued in its range; the run's status once done. */
export type ReopenStep =
  | { readonly done: false; readonly reset: number; readonly enqueued: number }
  | { readonly done: true; readonly reset: number; readonly enqueued: number; readonly status: RunStatus }
  | { readonly idle: RunStatus };

function runStatusOf(value: unknown): RunStatus {
  const status = RUN_STATUSES.find((known) => known === value);
  if (!status) throw new Error(`a sweep script returned an unknown run status "${String(value)}"`);
  return status;
}

/** One step of a cancel sweep (cancel-nodes.lua). */
export async function cancelStep(redis: RedisClient, keys: KeySpace, runId: string, queues: readonly string[], limit: number): Promise<CancelStep> {
  const shard = keys.forRun(runId);
  const scriptKeys = [...shard.runScriptKeys(runId), ...shard.queueScriptKeys(queues)];
  const reply = (await scripts.cancelNodes.run(redis, scriptKeys, [runId, limit, ...queues])) as unknown[];
  if (reply[0] === 'idle') return { idle: runStatusOf(reply[1]) };
  return { done: reply[0] === 'done', cancelled: Number(reply[1]), running: Number(reply[2]) };
}

/** One step of a reopen sweep (reopen-nodes.lua). */
export async function reopenStep(redis: RedisClient, keys: KeySpace, runId: string, queues: readonly string[], limit: number): Promise<ReopenStep> {
  const shard = keys.forRun(runId);
  const scriptKeys = [...shard.runScriptKeys(runId), shard.sequence, ...shard.queueScriptKeys(queues)];
  const reply = (await scripts.reopenNodes.run(redis, scriptKeys, [runId, limit, keys.runChannel(runId), ...queues])) as unknown[];
  if (reply[0] === 'idle') return { idle: runStatusOf(reply[1]) };
  const reset = Number(reply[1]);
  const enqueued = Number(reply[2]);
  if (reply[0] === 'done') return { done: true, reset, enqueued, status: runStatusOf(reply[3]) };
  return { done: false, reset, enqueued };
}

/** Carry a cancel sweep on to its end. Returns the totals of the steps taken (zeros when there was none). */
export async function finishCancel(
  redis: RedisClient,
  keys: KeySpace,
  runId: string,
  queues: readonly string[],
  limit: number,
): Promise<{ cancelled: number; running: number }> {
  let cancelled = 0;
  let running = 0;
  for (;;) {
    const step = await cancelStep(redis, keys, runId, queues, limit);
    if ('idle' in step) return { cancelled, running };
    cancelled += step.cancelled;
    running += step.running;
    if (step.done) return { cancelled, running };
  }
}

/** Carry a reopen sweep on to its end. Returns the totals, and the run's status at the end (null: there was no sweep). */
export async function finishReopen(
  redis: RedisClient,
  keys: KeySpace,
  runId: string,
  queues: readonly string[],
  limit: number,
): Promise<{ reset: number; enqueued: number; status: RunStatus | null }> {
  let reset = 0;
  let enqueued = 0;
  for (let steps = 0; ; steps++) {
    const step = await reopenStep(redis, keys, runId, queues, limit);
    if ('idle' in step) return { reset, enqueued, status: steps === 0 ? null : step.idle };
    reset += step.reset;
    enqueued += step.enqueued;
    if (step.done) return { reset, enqueued, status: step.status };
  }
}

/**
 * Enqueue the ready roots submit-run left to enqueue-roots, a range of node ids per call, until
 * none is left. Returns how many were enqueued.
 */
export async function finishRoots(redis: RedisClient, keys: KeySpace, runId: string, queues: readonly string[], limit: number): Promise<number> {
  const shard = keys.forRun(runId);
  const scriptKeys = [...shard.runScriptKeys(runId), shard.sequence, ...shard.queueScriptKeys(queues)];
  let enqueued = 0;
  for (;;) {
    const reply = (await scripts.enqueueRoots.run(redis, scriptKeys, [runId, limit, ...queues])) as unknown[];
    enqueued += Number(reply[1]);
    if (reply[0] === 'done') return enqueued;
  }
}
