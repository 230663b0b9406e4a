import type { RedisClient } from './redis-client.js';
import { RunDamagedError } from '../errors/index.js';
import type { KeySpace } from './keys.js';
import { NODE_STATUSES, type NodeStatus, parseStored, stateMissingDamage } from './records.js';
import { parseSpec } from './spec-format.js';
import { type NodeState, nodeStatusOf, readNodeState } from './node-state.js';
import { sendFlat } from './command.js';
import { type RunMeta, parseMeta } from './run-meta.js';

export interface RawNode {
  readonly id: string;
  readonly task: string;
  readonly next: readonly string[];
  /** The node that added it at run time (a map, or a replaced node). */
  readonly parent?: string;
  /** The error nodes of the onError elements it is in (NodeSpec.guards). */
  readonly guards?: readonly string[];
  readonly state: NodeState;
  readonly errorJson?: string;
  /** The stored result JSON, read only when the snapshot was asked for results. */
  readonly resultJson?: string;
}

/** Runs of up to this many nodes are read in one MULTI (one consistent snapshot). */
const ONE_READ_NODES = 2000;
/**
 * Node ids per page of a larger run's read (inspect, progress). A page is one MULTI of an HMGET
 * per hash, which Redis runs as one call: it must stay short for the Redis it blocks.
 */
const READ_PAGE = 500;
/** Results per HMGET when many are read (a wide group's output): each read stays short for Redis. */
const RESULTS_BATCH = 5000;

/** Reads of one run's state: its results, its nodes (snapshot), their counts by status (progress). */
export class RunReads {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

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
    const task = specJson ? parseStored(runId, `the spec of node ${nodeId}`, () => parseSpec(specJson)).task : '?';
    return { task, errorJson };
  }

  /**
   * The run and all its nodes, with their results if asked: one consistent snapshot (one MULTI)
   * for a run of up to ONE_READ_NODES nodes; a larger run is read a page of node ids at a time (one
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
      const state = readNodeState(runId, id, stateJson, meta.createdAt);
      if (options.results && state.status === 'succeeded' && resultJson === undefined) {
        throw new RunDamagedError(runId, `node ${id} succeeded but its result is missing`);
      }
      return {
        id,
        task: spec.task,
        next: spec.next ?? [],
        ...(spec.parent !== undefined ? { parent: spec.parent } : {}),
        ...(spec.guards !== undefined ? { guards: spec.guards } : {}),
        state,
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
    for (const text of states) counts[nodeStatusOf(runId, text)]++;
    // The nodes with no state stored are roots that never started: queued (submit-run).
    counts.queued += Math.max(0, meta.nodeCount - states.length);
    return { meta, counts };
  }

  /**
   * The run's meta and each hash's fields: for a run of up to ONE_READ_NODES nodes in one MULTI (one
   * consistent read), else fields "0" .. nodeCount - 1 a page of READ_PAGE ids per HMGET, one
   * MULTI per page, pipelined. One object per hash, absent fields left out.
   */
  private async readPaged(metaKey: string, hashes: readonly string[]): Promise<{ metaFields: Record<string, string>; fields: Record<string, string>[] }> {
    const replyOf = ([error, value]: [Error | null, unknown]): unknown => {
      if (error) throw error;
      return value;
    };
    const count = Number(await this.redis.hget(metaKey, 'nodeCount'));
    if (!(count > ONE_READ_NODES)) {
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
}
