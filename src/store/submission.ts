import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';
import { sendFlat } from './command.js';
import { decodeRedisError } from './redis-errors.js';
import type { ReplicationWait } from './script.js';
import { type EagerStart, type RunToCommit, type SubmitRunReply, submitRun } from './scripts/submit-run.js';
import type { StartedReply } from './scripts/started-reply.js';
import { SWEEP_NODES, finishRoots } from './sweeps.js';

/** Specs per staging HSET (2 arguments each): the same batch size the scripts write in. */
const STAGE_BATCH = 1000;
/**
 * How long staged specs outlive a submit that never commits (its process died). Renewed by every
 * batch, so only a submit stalled this long between two batches loses them, and then its commit
 * fails with SubmitInterruptedError rather than creating half a run.
 */
const STAGING_TTL_MS = 10 * 60 * 1000;
/**
 * A run this small sends its specs in submit-run's arguments: one command instead of the staging
 * HSET, its PEXPIRE and the commit. Past it, staging is cheaper for Redis (see submit-run.lua).
 */
const INLINE_MAX_NODES = 32;
const INLINE_MAX_BYTES = 32 * 1024;

export interface SubmitRequest extends RunToCommit {
  /** Wait for replicas after the commit (AppOptions.replication); null or absent: do not. */
  readonly replication?: ReplicationWait | null;
  /** A worker of this process that starts ready roots itself (submit-run's eager start). */
  readonly eager?: EagerStart | null;
}

/** A committed run: its creation time (ms, Redis's clock), and the roots started for the eager worker. */
export interface SubmitOutcome {
  readonly createdAt: number;
  readonly started: readonly StartedReply[];
}

/** Specs on their way into a staging hash: where, and the HSETs (and PEXPIREs) already sent. */
export interface Staging {
  readonly key: string;
  readonly writes: readonly Promise<unknown>[];
  /** The specs go in the commit's arguments instead (a small run). */
  readonly inline?: boolean;
}

/**
 * Write a planned run: stage its specs with plain HSETs into a hash of this submit's own, then
 * commit with submit-run, which renames them to the run's specs and writes everything else. All
 * of it is pipelined on one connection (one round trip), and the run appears whole or not at all:
 * nothing reads the staging hash, and a refused commit deletes it. Staging takes the specs out
 * of the script's arguments, which Redis converts to Lua strings and back: for a large run that
 * conversion costs more than the HSETs and the commit together (see the header of
 * scripts/submit-run.lua). Returns the run's creation time (ms, RedisClient clock).
 */
export function writeRun(redis: RedisClient, keys: KeySpace, request: SubmitRequest, sweepNodes = SWEEP_NODES): Promise<SubmitOutcome> {
  return commitRun(redis, keys, request, specsInline(request) ? inlineStaging(keys, request) : stageSpecs(redis, keys, request), sweepNodes);
}

function specsInline({ plan }: SubmitRequest): boolean {
  if (plan.nodes.length > INLINE_MAX_NODES) return false;
  let bytes = 0;
  for (const node of plan.nodes) bytes += node.specJson.length;
  return bytes <= INLINE_MAX_BYTES;
}

/** No staging: the specs go with the commit. The key is still named in its KEYS (and never written). */
function inlineStaging(keys: KeySpace, { runId }: SubmitRequest): Staging {
  return { key: keys.forRun(runId).stagedSpecs(runId, 'inline'), writes: [], inline: true };
}

/** Send the plan's specs to a new staging hash, without waiting for the replies. */
export function stageSpecs(redis: RedisClient, keys: KeySpace, { runId, plan }: SubmitRequest): Staging {
  const key = keys.forRun(runId).stagedSpecs(runId, randomUUID());
  const writes: Promise<unknown>[] = [];
  for (let first = 0; first < plan.nodes.length; first += STAGE_BATCH) {
    const batch: string[] = [key];
    const last = Math.min(first + STAGE_BATCH, plan.nodes.length);
    for (let index = first; index < last; index++) batch.push(String(index), plan.nodes[index]!.specJson);
    writes.push(sendFlat(redis, 'hset', batch), redis.pexpire(key, STAGING_TTL_MS));
  }
  return { key, writes };
}

/**
 * Commit a staged run with submit-run, then enqueue the ready roots it left to enqueue-roots
 * (`sweepNodes` node ids per call). Throws RunExistsError, SubmitInterruptedError (the staged
 * specs were lost), or the error Redis gave a staging write; in every case nothing is left. Once
 * committed the run stands: an error while enqueueing the roots leaves them to the repair sweep.
 */
export async function commitRun(redis: RedisClient, keys: KeySpace, request: SubmitRequest, staging: Staging, sweepNodes = SWEEP_NODES): Promise<SubmitOutcome> {
  const { runId, plan } = request;
  const committed = submitRun.run(redis, { ...request, shard: keys.forRun(runId), stagingKey: staging.key, inline: staging.inline === true }, request.replication ?? null);
  const [writes, outcome] = await Promise.all([
    Promise.allSettled(staging.writes),
    committed.then(
      (reply): SubmitRunReply => reply,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    ),
  ]);
  if (!(outcome instanceof Error)) {
    if (outcome.rootsLeft) await finishRoots(redis, keys, runId, plan.queues, sweepNodes);
    return { createdAt: outcome.createdAt, started: outcome.started };
  }
  // A staging write Redis refused (out of memory, say) explains a short staging better than the
  // commit's error (already typed: RunExistsError, SubmitInterruptedError...).
  const refused = writes.find((write) => write.status === 'rejected');
  if (refused) throw decodeRedisError(refused.reason, 'submit');
  throw outcome;
}
