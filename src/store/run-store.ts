import type { RedisClient } from './redis-client.js';
import { NodeNotFoundError, RunActiveError, RunDamagedError, RunExpiredError, RunNotFoundError } from '../errors/index.js';
import type { SubmissionPlan } from '../graph/plan.js';
import type { InputTemplate } from '../graph/template.js';
import type { KeySpace } from './keys.js';
import {
  NODE_STATUSES,
  type NodeState,
  type NodeStatus,
  type RunStatus,
  nodeStateSchema,
  RUN_STATUSES,
  INITIAL_ROOT_STATE,
  parseStored,
  stateMissingDamage,
  withStateDefaults,
} from './records.js';
import { sendFlat } from './command.js';
import { scriptReply } from './redis-errors.js';
import { type ReplicationWait, scripts } from './script.js';
import { writeRun } from './submission.js';
import { parseSpec } from './spec-format.js';
import { type NodeDetailRead, readNodeDetail } from './node-detail.js';
import { SWEEP_NODES, finishCancel, finishReopen, finishRoots } from './sweeps.js';

/** A run index member, which is also a `list()` cursor: "<createdAt, 15 digits>:<run id>" (submit-run). */
export const RUN_CURSOR_PATTERN = /^\d{15}:[A-Za-z0-9_-]{1,128}$/;

/** The `list()` cursor that continues after this run (its index member, as submit-run.lua writes it). */
export function runCursor(createdAtMs: number, runId: string): string {
  return `${String(createdAtMs).padStart(15, '0')}:${runId}`;
}

export interface RunMeta {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly expiresAt?: number;
  readonly nodeCount: number;
  readonly unfinished: number;
  readonly output: InputTemplate;
  readonly failedNode?: string;
  /** How many times the run was resumed or rerun. */
  readonly reopened: number;
  readonly queues: readonly string[];
  /** The stored trace context of the run's submit span (tracing was on at submit). */
  readonly trace?: string;
}

export interface RawNode {
  readonly id: string;
  readonly task: string;
  readonly next: readonly string[];
  readonly state: NodeState;
  readonly errorJson?: string;
  /** The stored result JSON, read only when the snapshot was asked for results. */
  readonly resultJson?: string;
}

export interface Retention {
  readonly succeededMs: number;
  readonly failedMs: number;
  readonly cancelledMs: number;
}

/** How long an expired run is still recognised as expired (rather than unknown). */
const EXPIRED_RUN_MEMORY_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 1000;
/** Node ids per read of a large run's hashes (inspect, progress): each read stays short for Redis. */
const READ_PAGE = 2000;
/** Results per HMGET when many are read (a wide group's output): each read stays short for Redis. */
const RESULTS_BATCH = 5000;

function parseMeta(id: string, fields: Record<string, string>): RunMeta | null {
  if (!fields.status) return null;
  const status = RUN_STATUSES.find((known) => known === fields.status);
  if (!status) throw new Error(`run ${id} has an unknown status "${fields.status}"`);
  return {
    id,
    name: fields.name ?? '',
    status,
    createdAt: Number(fields.createdAt),
    ...(fields.finishedAt ? { finishedAt: Number(fields.finishedAt) } : {}),
    ...(fields.expiresAt ? { expiresAt: Number(fields.expiresAt) } : {}),
    nodeCount: Number(fields.nodeCount),
    unfinished: Number(fields.unfinished),
    output: JSON.parse(fields.output ?? '{"list":[]}') as InputTemplate,
    ...(fields.failedNode ? { failedNode: fields.failedNode } : {}),
    reopened: Number(fields.reopened ?? 0),
    queues: JSON.parse(fields.queues ?? '[]') as string[],
    ...(fields.trace ? { trace: fields.trace } : {}),
  };
}

/**
 * The first `limit` of several shards' index pages, each already in order: run index members
 * ("<createdAt>:<id>") sort the same way in every shard, so the merge is a global order.
 */
export function mergeMembers(pages: readonly (readonly string[])[], limit: number, order: 'ascending' | 'descending'): string[] {
  if (pages.length === 1) return pages[0]!.slice(0, limit);
  const all = pages.flat();
  all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (order === 'descending') all.reverse();
  return all.slice(0, limit);
}

export interface RunPage {
  readonly runs: readonly RunMeta[];
  /** Pass back to get the next (older) page; null on the last page. */
  readonly cursor: string | null;
}

/** Run-level reads and transitions (submit, cancel, resume/rerun, list, prune). */
export class RunStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** Node ids per cancel-nodes / reopen-nodes call (sweeps.ts). */
    private readonly sweepNodes = SWEEP_NODES,
    /** Wait for replicas after submit, cancel, reopen and delete (AppOptions.replication). */
    private readonly replication: ReplicationWait | null = null,
  ) {}

  /** Write the whole run, all or nothing, in one round trip (submission.ts). Returns the creation time. */
  submit(runId: string, name: string, plan: SubmissionPlan, retention: Retention, storedTrace = '', eventsMaxLen = 0): Promise<number> {
    return writeRun(this.redis, this.keys, { runId, name, plan, retention, storedTrace, eventsMaxLen, replication: this.replication }, this.sweepNodes);
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
  async results(runId: string, nodeIds: readonly string[]): Promise<Map<string, unknown>> {
    // Pipelined reads of RESULTS_BATCH each: a million-wide group's output in one HMGET would
    // hold Redis for as long as it takes to read them all.
    const key = this.keys.run(runId).results;
    const reads: Promise<unknown>[] = [];
    for (let first = 0; first < nodeIds.length; first += RESULTS_BATCH) {
      reads.push(sendFlat(this.redis, 'hmget', [key, ...nodeIds.slice(first, first + RESULTS_BATCH)]));
    }
    const batches = (await Promise.all(reads)) as (string | null)[][];
    const results = new Map<string, unknown>();
    batches.forEach((values, batch) => {
      values.forEach((value, index) => {
        if (typeof value === 'string') results.set(nodeIds[batch * RESULTS_BATCH + index]!, JSON.parse(value));
      });
    });
    return results;
  }

  async nodeError(runId: string, nodeId: string): Promise<{ task: string; errorJson: string | null }> {
    const run = this.keys.run(runId);
    const [specJson, errorJson] = await Promise.all([
      this.redis.hget(run.specs, nodeId),
      this.redis.hget(run.errors, nodeId),
    ]);
    const task = specJson ? parseSpec(specJson).task : '?';
    return { task, errorJson };
  }

  /** One node, read alone (node-detail.ts). */
  node(runId: string, nodeId: string, values: boolean): Promise<NodeDetailRead> {
    return readNodeDetail(this.redis, this.keys, runId, nodeId, values);
  }

  /**
   * The run and all its nodes, with their results if asked: one consistent snapshot (one MULTI)
   * for a run of up to READ_PAGE nodes; a larger run is read a page of node ids at a time (one
   * MULTI per page, pipelined), so that no read holds Redis long, and each page is consistent
   * in itself but not with the others.
   */
  async snapshot(runId: string, options: { readonly results?: boolean } = {}): Promise<{ meta: RunMeta; nodes: RawNode[] } | null> {
    const run = this.keys.run(runId);
    const hashes = [run.nodes, run.specs, run.errors, ...(options.results ? [run.results] : [])];
    const { metaFields, fields } = await this.readPaged(run.run, hashes);
    const [nodeFields = {}, specFields = {}, errorFields = {}, resultFields = {}] = fields;
    const meta = parseMeta(runId, metaFields);
    if (!meta) return null;
    // Every node has a spec; a root that never started has no state stored (submit-run). What
    // cannot be listed truly is refused: a node left out or shown queued would be a wrong answer.
    const specCount = Object.keys(specFields).length;
    if (specCount < meta.nodeCount) {
      throw new RunDamagedError(runId, `${meta.nodeCount - specCount} of its ${meta.nodeCount} node specs are missing`);
    }
    const nodes: RawNode[] = Object.entries(specFields).map(([id, specJson]) => {
      const spec = parseStored(runId, `the spec of node ${id}`, () => parseSpec(specJson));
      const errorJson = errorFields[id];
      const stateJson = nodeFields[id];
      const resultJson = resultFields[id];
      if (stateJson === undefined) {
        const damage = stateMissingDamage(id, spec, meta.status);
        if (damage) throw new RunDamagedError(runId, damage);
      }
      const state = stateJson ? parseStored(runId, `the state of node ${id}`, () => nodeStateSchema.parse(JSON.parse(stateJson))) : INITIAL_ROOT_STATE;
      if (options.results && state.status === 'succeeded' && resultJson === undefined) {
        throw new RunDamagedError(runId, `node ${id} succeeded but its result is missing`);
      }
      return {
        id,
        task: spec.task,
        next: spec.next ?? [],
        state: withStateDefaults(state, meta.createdAt),
        ...(errorJson ? { errorJson } : {}),
        ...(resultJson !== undefined ? { resultJson } : {}),
      };
    });
    nodes.sort((a, b) => Number(a.id) - Number(b.id));
    return { meta, nodes };
  }

  /** How many nodes are in each state (reads node states only, not specs; in pages for a large run, as snapshot()). */
  async progress(runId: string): Promise<{ meta: RunMeta; counts: Record<NodeStatus, number> } | null> {
    const run = this.keys.run(runId);
    const { metaFields, fields } = await this.readPaged(run.run, [run.nodes]);
    const meta = parseMeta(runId, metaFields);
    if (!meta) return null;
    const [stateFields = {}] = fields;
    const states = Object.values(stateFields);
    const counts = Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as Record<NodeStatus, number>;
    // Every node of a succeeded run has a state: fewer is damage, not nodes still queued.
    if (meta.status === 'succeeded' && states.length < meta.nodeCount) {
      throw new RunDamagedError(runId, `${meta.nodeCount - states.length} of its ${meta.nodeCount} node states are missing`);
    }
    for (const json of states) counts[parseStored(runId, 'a node state', () => nodeStateSchema.parse(JSON.parse(json))).status]++;
    // The nodes with no state stored are roots that never started: queued (submit-run).
    counts.queued += Math.max(0, meta.nodeCount - states.length);
    return { meta, counts };
  }

  /**
   * cancel-run, then cancel-nodes until its sweep is done: returns how many nodes were cancelled
   * and attempts were still running, or the status the run had already finished with. A cancel
   * sweep left half done (its process died) is carried on first, whatever this call returns.
   */
  async cancel(runId: string): Promise<{ cancelled: number; running: number } | { unchanged: RunStatus }> {
    const meta = await this.requireMeta(runId);
    const shard = this.keys.forRun(runId);
    const keys = [...shard.runScriptKeys(runId), ...shard.queueScriptKeys(meta.queues)];
    const reply = (await this.runScript(runId, () =>
      scripts.cancelRun.run(this.redis, keys, [runId, shard.runChannel(runId), this.keys.cancellationsChannel, ...meta.queues], this.replication),
    )) as unknown[];
    const swept = await this.runScript(runId, () => finishCancel(this.redis, this.keys, runId, meta.queues, this.sweepNodes));
    if (reply[0] === 'unchanged') return { unchanged: reply[1] as RunStatus };
    return swept;
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
    const shard = this.keys.forRun(runId);
    const keys = [...shard.runScriptKeys(runId), shard.sequence, ...shard.queueScriptKeys(meta.queues)];
    const args = [runId, from === null ? 'resume' : 'rerun', from ?? '', shard.runChannel(runId), ...meta.queues];
    // Each round that finds another sweep going on ('busy') finishes it, then begins again.
    for (;;) {
      const reply = (await this.runScript(runId, () => scripts.reopenRun.run(this.redis, keys, args, this.replication), from)) as unknown[];
      if (reply[0] === 'unchanged') return { unchanged: reply[1] as RunStatus };
      const swept = await this.runScript(runId, () => finishReopen(this.redis, this.keys, runId, meta.queues, this.sweepNodes));
      // A submit cut short may have left ready roots without their message (enqueue-roots).
      await this.runScript(runId, () => finishRoots(this.redis, this.keys, runId, meta.queues, this.sweepNodes));
      if (reply[0] === 'reopening') {
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
      const shard = this.keys.forRun(runId);
      const keys = [...shard.runScriptKeys(runId), ...shard.queueScriptKeys(meta.queues)];
      try {
        // Messages first, a range of nodes per call: delete-run then has none left to look for.
        for (;;) {
          const step = (await this.runScript(runId, () => scripts.deleteNodes.run(this.redis, keys, [runId, this.sweepNodes, ...meta.queues]))) as unknown[];
          if (step[0] === 'done') break;
        }
        await this.runScript(runId, () => scripts.deleteRun.run(this.redis, keys, [runId, ...meta.queues], this.replication));
        return meta.status;
      } catch (error) {
        if (!(error instanceof RunActiveError) || !force || round >= 3) throw error;
      }
    }
  }

  /**
   * The run's meta and each hash's fields: for a run of up to READ_PAGE nodes in one MULTI (one
   * consistent read), else fields "0" .. nodeCount - 1 a page of READ_PAGE ids per HMGET, one
   * MULTI per page, pipelined. One object per hash, absent fields left out.
   */
  private async readPaged(metaKey: string, hashes: readonly string[]): Promise<{ metaFields: Record<string, string>; fields: Record<string, string>[] }> {
    const replyOf = ([error, value]: [Error | null, unknown]): unknown => {
      if (error) throw error;
      return value;
    };
    const count = Number(await this.redis.hget(metaKey, 'nodeCount'));
    if (!(count > READ_PAGE)) {
      const multi = this.redis.multi().hgetall(metaKey);
      for (const key of hashes) multi.hgetall(key);
      const [metaFields, ...fields] = ((await multi.exec()) ?? []).map((reply) => replyOf(reply) as Record<string, string>);
      return { metaFields: metaFields ?? {}, fields };
    }
    const fields: Record<string, string>[] = hashes.map(() => ({}));
    const pages: Promise<void>[] = [];
    for (let first = 0; first < count; first += READ_PAGE) {
      const ids: string[] = [];
      for (let id = first; id < Math.min(first + READ_PAGE, count); id++) ids.push(String(id));
      const multi = this.redis.multi();
      for (const key of hashes) multi.hmget(key, ...ids);
      pages.push(
        multi.exec().then((replies) => {
          hashes.forEach((_key, index) => {
            const values = replyOf(replies?.[index] ?? [null, []]) as (string | null)[];
            values.forEach((value, position) => {
              if (value !== null) fields[index]![String(first + position)] = value;
            });
          });
        }),
      );
    }
    const [metaFields] = await Promise.all([this.redis.hgetall(metaKey), ...pages]);
    return { metaFields, fields };
  }

  /** Map the scripts' error replies to typed errors, by the code that starts the reply. */
  private async runScript<T>(runId: string, call: () => Promise<T>, nodeId: string | null = null): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const code = scriptReply(error)?.code;
      if (code === 'RUN_MISSING') throw await this.missing(runId);
      if (code === 'NODE_MISSING') throw new NodeNotFoundError(runId, nodeId ?? '?');
      if (code === 'RUN_ACTIVE') throw new RunActiveError(runId);
      throw error;
    }
  }

  /** Redis's clock, in ms: the one the scripts stamp runs with. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  /**
   * Index members of one index (all runs, or one status), oldest first, created before
   * `createdBefore` (ms) if given, after the member `after` (exclusive), at most `limit`.
   */
  async indexMembers(index: RunStatus | 'all', options: { createdBefore?: number; after?: string; limit: number }): Promise<string[]> {
    const start = options.after ? `(${options.after}` : '-';
    // Members start with the creation time as 15 digits: a lex bound selects by creation time.
    const end = options.createdBefore === undefined ? '+' : `(${String(Math.max(0, options.createdBefore)).padStart(15, '0')}`;
    // Each shard's first `limit`, merged: members are unique and ordered the same in every shard.
    const pages = await Promise.all(
      this.keys.shards.map((shard) =>
        this.redis.zrangebylex(index === 'all' ? shard.runIndexes.all : shard.runIndexes[index], start, end, 'LIMIT', 0, options.limit),
      ),
    );
    return mergeMembers(pages, options.limit, 'ascending');
  }

  /** The statuses of these runs (null for a run whose keys are gone), one round trip. */
  async statuses(runIds: readonly string[]): Promise<(RunStatus | null)[]> {
    const values = await this.hgetOfRuns(runIds, 'status');
    return values.map((value) => RUN_STATUSES.find((status) => status === value) ?? null);
  }

  /** Drop the index entries of expired runs (bounded, per shard). */
  async prune(): Promise<number> {
    const pruned = await Promise.all(
      this.keys.shards.map((shard) => scripts.pruneRuns.run(this.redis, shard.indexScriptKeys(), [PRUNE_BATCH, EXPIRED_RUN_MEMORY_MS])),
    );
    return pruned.reduce<number>((sum, count) => sum + Number(count), 0);
  }

  /**
   * All fields of each run's meta hash, in order, one pipeline per shard: on Redis Cluster a
   * pipeline must stay in one slot.
   */
  private async metaFieldsOfRuns(runIds: readonly string[]): Promise<Record<string, string>[]> {
    return this.perShard(runIds, (pipeline, id) => pipeline.hgetall(this.keys.run(id).run), (value) => (value ?? {}) as Record<string, string>);
  }

  private async hgetOfRuns(runIds: readonly string[], field: string): Promise<(string | null)[]> {
    return this.perShard(runIds, (pipeline, id) => pipeline.hget(this.keys.run(id).run, field), (value) => (typeof value === 'string' ? value : null));
  }

  private async perShard<T>(
    runIds: readonly string[],
    add: (pipeline: ReturnType<RedisClient['pipeline']>, runId: string) => void,
    decode: (value: unknown) => T,
  ): Promise<T[]> {
    const byShard = new Map<number, number[]>();
    runIds.forEach((id, position) => {
      const shard = this.keys.shardOf(id);
      let positions = byShard.get(shard);
      if (!positions) byShard.set(shard, (positions = []));
      positions.push(position);
    });
    const results: T[] = new Array<T>(runIds.length);
    await Promise.all(
      [...byShard.values()].map(async (positions) => {
        const pipeline = this.redis.pipeline();
        for (const position of positions) add(pipeline, runIds[position]!);
        const replies = (await pipeline.exec()) ?? [];
        positions.forEach((position, index) => {
          const [error, value] = replies[index] ?? [null, null];
          if (error) throw error;
          results[position] = decode(value);
        });
      }),
    );
    return results;
  }

  /** Newest first, from the index (never a SCAN of the keyspace). */
  async list(options: { status?: RunStatus; limit: number; cursor?: string }): Promise<RunPage> {
    await this.prune();
    const { status } = options;
    const start = options.cursor ? `(${options.cursor}` : '+';
    const pages = await Promise.all(
      this.keys.shards.map((shard) =>
        this.redis.zrevrangebylex(status ? shard.runIndexes[status] : shard.runIndexes.all, start, '-', 'LIMIT', 0, options.limit),
      ),
    );
    const members = mergeMembers(pages, options.limit, 'descending');
    const ids = members.map((member) => member.slice(member.indexOf(':') + 1));
    const fields = await this.metaFieldsOfRuns(ids);
    const runs: RunMeta[] = [];
    ids.forEach((id, position) => {
      const meta = parseMeta(id, fields[position] ?? {});
      if (meta) runs.push(meta); // an expired run not pruned yet is skipped
    });
    const last = members.at(-1);
    return { runs, cursor: members.length === options.limit && last ? last : null };
  }
}
