import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.js';
import { RunExistsError, SubmitInterruptedError } from '../errors/index.js';
import type { SubmissionPlan } from '../graph/plan.js';
import type { KeySpace, ShardKeys } from './keys.js';
import { sendFlat } from './command.js';
import { decodeRedisError, scriptReply } from './redis-errors.js';
import { type ReplicationWait, scripts } from './script.js';
import { SWEEP_NODES, finishRoots } from './sweeps.js';

/** Specs per staging HSET (2 arguments each): the same batch size the scripts write in. */
const STAGE_BATCH = 1000;
/**
 * How long staged specs outlive a submit that never commits (its process died). Renewed by every
 * batch, so only a submit stalled this long between two batches loses them, and then its commit
 * fails with SubmitInterruptedError rather than creating half a run.
 */
const STAGING_TTL_MS = 10 * 60 * 1000;

export interface SubmitRequest {
  readonly runId: string;
  readonly name: string;
  readonly plan: SubmissionPlan;
  readonly retention: { readonly succeededMs: number; readonly failedMs: number; readonly cancelledMs: number };
  /** The submit span's trace context JSON, "" when tracing is off. */
  readonly storedTrace: string;
  /** The event stream's length for this run's events (MAXLEN ~), 0 when the app has events off. */
  readonly eventsMaxLen: number;
  /** Wait for replicas after the commit (AppOptions.replication); null or absent: do not. */
  readonly replication?: ReplicationWait | null;
}

/** Specs on their way into a staging hash: where, and the HSETs (and PEXPIREs) already sent. */
export interface Staging {
  readonly key: string;
  readonly writes: readonly Promise<unknown>[];
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
export function writeRun(redis: RedisClient, keys: KeySpace, request: SubmitRequest, sweepNodes = SWEEP_NODES): Promise<number> {
  return commitRun(redis, keys, request, stageSpecs(redis, keys, request), sweepNodes);
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
export async function commitRun(redis: RedisClient, keys: KeySpace, request: SubmitRequest, staging: Staging, sweepNodes = SWEEP_NODES): Promise<number> {
  const { runId, plan } = request;
  const shard = keys.forRun(runId);
  const scriptKeys = [...shard.runScriptKeys(runId), shard.sequence, staging.key, ...rootQueueKeys(shard, plan)];
  const committed = scripts.submitRun.run(redis, scriptKeys, commitArgs(request), request.replication ?? null);
  const [writes, outcome] = await Promise.all([
    Promise.allSettled(staging.writes),
    committed.then(
      (reply) => reply as [number, number],
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    ),
  ]);
  if (!(outcome instanceof Error)) {
    const [createdAt, rootsLeft] = outcome;
    if (Number(rootsLeft) === 1) await finishRoots(redis, keys, runId, plan.queues, sweepNodes);
    return Number(createdAt);
  }
  // A staging write Redis refused (out of memory, say) explains a short staging better than the commit.
  const refused = writes.find((write) => write.status === 'rejected');
  if (refused) throw decodeRedisError(refused.reason, 'submit');
  const reply = scriptReply(outcome);
  if (reply?.code === 'RUN_EXISTS') throw new RunExistsError(runId);
  if (reply?.code === 'STAGING_INCOMPLETE') {
    // STAGING_INCOMPLETE <found> <expected>
    const [found, expected] = reply.detail.split(' ').map(Number);
    throw new SubmitInterruptedError(runId, expected ?? 0, found ?? 0);
  }
  throw outcome;
}

export function rootQueueKeys(keys: ShardKeys, plan: SubmissionPlan): string[] {
  const queueKeys: string[] = [];
  for (const queue of plan.rootQueues) {
    const q = keys.queue(queue);
    queueKeys.push(q.ready, q.delayed, q.signal);
  }
  return queueKeys;
}

/** ARGV of submit-run (see its header): the run, its root classes, and the nodes' dependency counts. */
export function commitArgs({ runId, name, plan, retention, storedTrace, eventsMaxLen }: SubmitRequest): (string | number)[] {
  const args: (string | number)[] = [
    runId,
    name,
    plan.outputJson,
    retention.succeededMs,
    retention.failedMs,
    retention.cancelledMs,
    JSON.stringify(plan.queues),
    storedTrace,
    eventsMaxLen,
    plan.rootQueues.length,
    ...plan.rootQueues,
  ];
  // Roots by class (queue, priority, countdown, eta); then each node's dependency count, or -class
  // for a root, run-length encoded in id order.
  const classes = new Map<string, number>();
  const classArgs: (string | number)[] = [];
  const runs: number[] = [];
  let value = 0;
  let count = 0;
  plan.nodes.forEach((node, index) => {
    if (node.id !== String(index)) throw new Error(`submit: node ${node.id} is out of order (expected ${index})`);
    let next: number = node.waiting;
    if (next === 0) {
      const key = `${node.queue}|${node.priority}|${node.countdownMs}|${node.etaMs}`;
      let rootClass = classes.get(key);
      if (rootClass === undefined) {
        rootClass = classes.size + 1;
        classes.set(key, rootClass);
        classArgs.push(node.queue, node.priority, node.countdownMs, node.etaMs);
      }
      next = -rootClass;
    }
    if (count > 0 && next === value) {
      count++;
    } else {
      if (count > 0) runs.push(value, count);
      value = next;
      count = 1;
    }
  });
  if (count > 0) runs.push(value, count);
  args.push(classes.size, ...classArgs, plan.nodes.length);
  for (const item of runs) args.push(item);
  return args;
}
