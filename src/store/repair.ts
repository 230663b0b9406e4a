import type { RedisClient } from './redis-client.js';
import { RunDamagedError, RunNotFoundError } from '../errors/index.js';
import type { KeySpace } from './keys.js';
import { type RepairRunReply, repairRun as repairRunScript } from './scripts/repair-run.js';
import { SWEEP_NODES, finishCancel, finishReopen, finishRoots, releaseErrbacks } from './sweeps.js';

function parseQueues(json: string): string[] | null {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((queue) => typeof queue === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** A node the sweep found with no message anywhere, and re-enqueued. */
export interface RepairedNode {
  readonly runId: string;
  readonly nodeId: string;
  /** Its status when found: queued, delayed or running. */
  readonly status: string;
}

/** A running run the sweep could not check: its stored state is missing or malformed. */
export interface DamagedRun {
  readonly runId: string;
  /** What is missing or malformed, e.g. `node 3 has no state`. */
  readonly reason: string;
  /** The same, as the error inspect() and result() would reject with. */
  readonly error: RunDamagedError;
}

export interface RepairReport {
  /** Running runs looked at. */
  readonly runs: number;
  /** Nodes looked at. */
  readonly nodes: number;
  readonly repaired: readonly RepairedNode[];
  /** Runs that could not be checked; the sweep went on with the others. */
  readonly damaged: readonly DamagedRun[];
  /**
   * Runs whose fired error callbacks were still to be released (the process whose report fired
   * them died first), released by this sweep.
   */
  readonly errbacks: number;
}

/** Runs read from the index per page, and nodes looked at per script call. */
const RUNS_PER_PAGE = 100;
const NODES_PER_CALL = 1000;

/**
 * The repair sweep: every running run, a range of nodes per repair-run call, re-enqueuing the
 * orphans (nodes waiting for a worker whose message is in no queue set; see repair-run.lua).
 * Each call is atomic and re-checks what it repairs, so two sweeps at once (a worker's and
 * `celeriac repair`'s) never enqueue a node twice. Runs are walked by their index member, so
 * runs finishing during the sweep do not make it skip others.
 */
export async function repairRuns(redis: RedisClient, keys: KeySpace): Promise<RepairReport> {
  const repaired: RepairedNode[] = [];
  const damaged: DamagedRun[] = [];
  let runs = 0;
  let nodes = 0;
  let errbacks = 0;
  for (const shard of keys.shards) {
    errbacks += await releaseLeftErrbacks(redis, keys, shard.errbacks);
    await finishSweepsIn(redis, keys, shard.runIndexes.cancelled);
    await finishSweepsIn(redis, keys, shard.runIndexes.running);
    let after = '-';
    for (;;) {
      const members = await redis.zrangebylex(shard.runIndexes.running, after, '+', 'LIMIT', 0, RUNS_PER_PAGE);
      for (const member of members) {
        const runId = member.slice(member.indexOf(':') + 1);
        let checked: Awaited<ReturnType<typeof repairRun>>;
        try {
          checked = await repairRun(redis, keys, runId);
        } catch (error) {
          // One damaged run must not stop the sweep for every run after it; a Redis that went
          // away still ends it.
          if (!(error instanceof RunDamagedError)) throw error;
          checked = error;
        }
        if (checked instanceof RunDamagedError) {
          damaged.push({ runId, reason: checked.reason, error: checked });
          continue;
        }
        if (checked === null) continue;
        runs++;
        nodes += checked.nodes;
        repaired.push(...checked.repaired);
      }
      if (members.length < RUNS_PER_PAGE) break;
      after = `(${members.at(-1)!}`;
    }
  }
  return { runs, nodes, repaired, damaged, errbacks };
}

/** Runs per errbacks page; a page a sweep. */
const ERRBACK_RUNS_PER_SWEEP = 1000;

/**
 * Release the error callbacks left in a shard's errbacks set (the process whose report fired
 * them releases them itself right after, so this finds those of a process that died, or races
 * it harmlessly: a second release finds nothing due). Returns how many runs it looked at.
 */
async function releaseLeftErrbacks(redis: RedisClient, keys: KeySpace, errbacksKey: string): Promise<number> {
  const runIds = await redis.zrange(errbacksKey, 0, ERRBACK_RUNS_PER_SWEEP - 1);
  for (const runId of runIds) await releaseErrbacks(redis, keys, runId);
  return runIds.length;
}

/**
 * Carry on the sweeps left half done in the runs of one status index: a page of runs' meta
 * fields at a time (one pipelined read: the index and its runs are one shard's, so one slot),
 * then the sweep of each run that has one.
 */
async function finishSweepsIn(redis: RedisClient, keys: KeySpace, index: string): Promise<void> {
  let after = '-';
  for (;;) {
    const members = await redis.zrangebylex(index, after, '+', 'LIMIT', 0, RUNS_PER_PAGE);
    const pipeline = redis.pipeline();
    const runIds = members.map((member) => member.slice(member.indexOf(':') + 1));
    for (const runId of runIds) pipeline.hmget(keys.run(runId).run, 'queues', 'cancelCursor', 'reopenCursor', 'rootsCursor');
    const replies = (await pipeline.exec()) ?? [];
    for (const [position, runId] of runIds.entries()) {
      const [error, fields] = replies[position] ?? [null, null];
      if (error) throw error;
      const [queuesJson, cancelCursor, reopenCursor, rootsCursor] = (fields ?? []) as (string | null)[];
      if (!queuesJson || (cancelCursor === null && reopenCursor === null && rootsCursor === null)) continue;
      const queues = JSON.parse(queuesJson) as string[];
      if (rootsCursor !== null) await finishRoots(redis, keys, runId, queues, SWEEP_NODES);
      if (cancelCursor !== null) await finishCancel(redis, keys, runId, queues, SWEEP_NODES);
      if (reopenCursor !== null) await finishReopen(redis, keys, runId, queues, SWEEP_NODES);
    }
    if (members.length < RUNS_PER_PAGE) break;
    after = `(${members.at(-1)!}`;
  }
}

/** One run, all its nodes; null when it is not running (any more) or gone; the damage repair-run found. */
async function repairRun(
  redis: RedisClient,
  keys: KeySpace,
  runId: string,
): Promise<{ nodes: number; repaired: RepairedNode[] } | RunDamagedError | null> {
  const queuesJson = await redis.hget(keys.run(runId).run, 'queues');
  if (queuesJson === null) return null;
  const queues = parseQueues(queuesJson);
  if (!queues) return new RunDamagedError(runId, 'its list of queues is malformed');
  const shard = keys.forRun(runId);
  const repaired: RepairedNode[] = [];
  let nodes = 0;
  let next = 0;
  while (next >= 0) {
    let reply: RepairRunReply;
    try {
      reply = await repairRunScript.run(redis, { shard, runId, queues, next, limit: NODES_PER_CALL });
    } catch (error) {
      // Expired and deleted between the index read and this call.
      if (error instanceof RunNotFoundError) return null;
      throw error;
    }
    if ('damaged' in reply) return new RunDamagedError(runId, reply.damaged);
    if ('unchanged' in reply) return nodes > 0 ? { nodes, repaired } : null;
    nodes += reply.checked;
    next = reply.next;
    for (const { nodeId, status } of reply.repaired) repaired.push({ runId, nodeId, status });
  }
  return { nodes, repaired };
}
