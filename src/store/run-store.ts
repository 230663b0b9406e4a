import type { RedisClient } from './redis-client.js';
import { ReplicationTimeoutError, RunActiveError, RunExpiredError, RunNotFoundError } from '../errors/index.js';
import type { SubmissionPlan } from '../graph/plan.js';
import type { KeySpace } from './keys.js';
import type { NodeStatus, RunStatus } from './records.js';
import type { ReplicationWait } from './script.js';
import { cancelRun } from './scripts/cancel-run.js';
import { deleteNodes } from './scripts/delete-nodes.js';
import { deleteRun } from './scripts/delete-run.js';
import { reopenRun } from './scripts/reopen-run.js';
import { type SubmitOutcome, writeRun } from './submission.js';
import type { EagerStart } from './scripts/submit-run.js';
import { type NodeDetailRead, readNodeDetail } from './node-detail.js';
import { SWEEP_NODES, finishCancel, finishReopen, finishRoots, releaseErrbacks } from './sweeps.js';
import { type RunMeta, parseMeta } from './run-meta.js';
import { type RawNode, RunReads } from './run-reads.js';
import { RunIndex, type RunPage } from './run-index.js';

export { RUN_CURSOR_PATTERN, runCursor, type RunMeta } from './run-meta.js';
export type { RawNode } from './run-reads.js';
export type { RunPage } from './run-index.js';

export interface Retention {
  readonly succeededMs: number;
  readonly failedMs: number;
  readonly cancelledMs: number;
}

/** What a submit writes besides the plan. */
export interface SubmitWrite {
  readonly retention: Retention;
  /** The submit span's trace context JSON ("" or absent: tracing is off). */
  readonly storedTrace?: string;
  /** The event stream's length for the run's events (0 or absent: none). */
  readonly eventsMaxLen?: number;
  /** The submitting process's waiter channel (run-events.ts), if it has one open. */
  readonly notify?: string | null;
  /** A worker of this process that starts ready roots itself (submit-run's eager start). */
  readonly eager?: EagerStart | null;
}

/**
 * Run-level transitions (submit, cancel, resume/rerun, delete), and the reads of a run
 * (run-reads.ts) and of the run indexes (run-index.ts) behind one handle.
 */
export class RunStore {
  private readonly reads: RunReads;
  private readonly index: RunIndex;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** Node ids per cancel-nodes / reopen-nodes call (sweeps.ts). */
    private readonly sweepNodes = SWEEP_NODES,
    /** Wait for replicas after submit, cancel, reopen and delete (AppOptions.replication). */
    private readonly replication: ReplicationWait | null = null,
  ) {
    this.reads = new RunReads(redis, keys);
    this.index = new RunIndex(redis, keys);
  }

  /**
   * Write the whole run, all or nothing, in one round trip (submission.ts). With an eager start,
   * replicas that fall short do not throw here: the run was applied and its roots started, which
   * the worker must get; the caller throws `shortfall` once it has handed them over.
   */
  async submit(runId: string, name: string, plan: SubmissionPlan, options: SubmitWrite): Promise<SubmitOutcome & { readonly shortfall: ReplicationTimeoutError | null }> {
    const { retention, storedTrace = '', eventsMaxLen = 0, notify, eager } = options;
    let shortfall: ReplicationTimeoutError | null = null;
    const replication =
      eager && this.replication
        ? {
            ...this.replication,
            onShortfall: (error: ReplicationTimeoutError) => {
              shortfall = error;
            },
          }
        : this.replication;
    const request = { runId, name, plan, retention, storedTrace, eventsMaxLen, replication, eager: eager ?? null, ...(notify ? { notify } : {}) };
    const outcome = await writeRun(this.redis, this.keys, request, this.sweepNodes);
    return { ...outcome, shortfall };
  }

  async meta(runId: string): Promise<RunMeta | null> {
    return parseMeta(runId, await this.redis.hgetall(this.keys.run(runId).run));
  }

  /** The error for a run that is not there: expired (if it is remembered as such) or unknown. */
  async missing(runId: string): Promise<RunExpiredError | RunNotFoundError> {
    // A tombstone is written when the run finishes and its keys are set to expire then: with the
    // run's keys gone, it means the run expired (compared on no clock, so clock skew cannot lie).
    const expiredAt = await this.redis.zscore(this.keys.forRun(runId).runIndexes.expired, runId);
    if (expiredAt !== null) return new RunExpiredError(runId, new Date(Number(expiredAt)));
    return new RunNotFoundError(runId);
  }

  /** The meta, or the typed error that says why there is none. */
  async requireMeta(runId: string): Promise<RunMeta> {
    const meta = await this.meta(runId);
    if (!meta) throw await this.missing(runId);
    return meta;
  }

  /** Results (parsed JSON) of the given nodes. */
  results(runId: string, nodeIds: readonly string[]): Promise<Map<string, unknown>> {
    return this.reads.results(runId, nodeIds);
  }

  nodeError(runId: string, nodeId: string): Promise<{ task: string; errorJson: string | null }> {
    return this.reads.nodeError(runId, nodeId);
  }

  /** The run and all its nodes, with their results if asked (RunReads.snapshot). */
  snapshot(runId: string, options: { readonly results?: boolean } = {}): Promise<{ meta: RunMeta; nodes: RawNode[] } | null> {
    return this.reads.snapshot(runId, options);
  }

  /** How many nodes are in each state (RunReads.progress). */
  progress(runId: string): Promise<{ meta: RunMeta; counts: Record<NodeStatus, number> } | null> {
    return this.reads.progress(runId);
  }

  /** One node, read alone (node-detail.ts). */
  node(runId: string, nodeId: string, values: boolean): Promise<NodeDetailRead> {
    return readNodeDetail(this.redis, this.keys, runId, nodeId, values);
  }

  /**
   * cancel-run, then cancel-nodes until its sweep is done: returns how many nodes were cancelled
   * and attempts were still running, or the status the run had already finished with. A cancel
   * sweep left half done (its process died) is carried on first, whatever this call returns.
   */
  async cancel(runId: string): Promise<{ cancelled: number; running: number } | { unchanged: RunStatus }> {
    const meta = await this.requireMeta(runId);
    const input = { shard: this.keys.forRun(runId), runId, queues: meta.queues, cancellationsChannel: this.keys.cancellationsChannel };
    const reply = await this.runScript(runId, () => cancelRun.run(this.redis, input, this.replication));
    const swept = await this.runScript(runId, () => finishCancel(this.redis, this.keys, runId, meta.queues, this.sweepNodes));
    return 'unchanged' in reply ? reply : swept;
  }

  /** Release the error callbacks a node's failure fired in the run (sweeps.ts releaseErrbacks). */
  releaseErrbacks(runId: string): Promise<number> {
    return this.runScript(runId, () => releaseErrbacks(this.redis, this.keys, runId));
  }

  /**
   * reopen-run: resume (from = null) or rerun from a node; then reopen-nodes until its sweep is
   * done. A sweep left half done by an earlier call (its process died) is finished first.
   */
  async reopen(
    runId: string,
    from: string | null,
  ): Promise<{ reset: number; enqueued: number; status: RunStatus } | { unchanged: RunStatus }> {
    const meta = await this.requireMeta(runId);
    const input = { shard: this.keys.forRun(runId), runId, queues: meta.queues, from };
    // Each round that finds another sweep going on ('busy') finishes it, then begins again.
    for (;;) {
      const reply = await this.runScript(runId, () => reopenRun.run(this.redis, input, this.replication));
      if ('unchanged' in reply) return reply;
      const swept = await this.runScript(runId, () => finishReopen(this.redis, this.keys, runId, meta.queues, this.sweepNodes));
      // A submit cut short may have left ready roots without their message (enqueue-roots).
      await this.runScript(runId, () => finishRoots(this.redis, this.keys, runId, meta.queues, this.sweepNodes));
      if ('reopening' in reply) {
        return { reset: swept.reset, enqueued: swept.enqueued, status: swept.status ?? (await this.requireMeta(runId)).status };
      }
    }
  }

  /**
   * delete-run: the run's keys, index entries and tombstone go. A running run is refused with
   * RunActiveError unless `force`, which cancels it first (withdrawing its queued messages and
   * aborting its running attempts); a resume racing in between is cancelled again. Returns the
   * status the run had.
   */
  async delete(runId: string, force: boolean): Promise<RunStatus> {
    for (let round = 1; ; round++) {
      const meta = await this.requireMeta(runId);
      if (meta.status === 'running') {
        if (!force) throw new RunActiveError(runId);
        await this.cancel(runId);
      }
      const input = { shard: this.keys.forRun(runId), runId, queues: meta.queues, limit: this.sweepNodes };
      try {
        // Messages first, a range of nodes per call: delete-run then has none left to look for.
        for (;;) {
          const step = await this.runScript(runId, () => deleteNodes.run(this.redis, input));
          if (step.done) break;
        }
        await this.runScript(runId, () => deleteRun.run(this.redis, input, this.replication));
        return meta.status;
      } catch (error) {
        if (!(error instanceof RunActiveError) || !force || round >= 3) throw error;
      }
    }
  }

  /** A run a script found missing may be remembered as expired: say so (RunExpiredError). */
  private async runScript<T>(runId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof RunNotFoundError) throw await this.missing(runId);
      throw error;
    }
  }

  /** Redis's clock, in ms: the one the scripts stamp runs with. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /** Index members of one index, oldest first (RunIndex.indexMembers). */
  indexMembers(index: RunStatus | 'all', options: { createdBefore?: number; after?: string; limit: number }): Promise<string[]> {
    return this.index.indexMembers(index, options);
  }

  /** The statuses of these runs (null for a run whose keys are gone), one round trip. */
  statuses(runIds: readonly string[]): Promise<(RunStatus | null)[]> {
    return this.index.statuses(runIds);
  }

  /** Drop the index entries of expired runs (bounded, per shard). */
  prune(): Promise<number> {
    return this.index.prune();
  }

  /** Newest first, from the index (never a SCAN of the keyspace). */
  list(options: { status?: RunStatus; limit: number; cursor?: string }): Promise<RunPage> {
    return this.index.list(options);
  }
}
