import type { Redis } from 'ioredis';
import { RunExistsError } from '../errors/index.js';
import type { SubmissionPlan } from '../graph/plan.js';
import { type InputTemplate, templateNodes } from '../graph/template.js';
import type { KeySpace } from './keys.js';
import { type NodeState, type RunStatus, nodeSpecSchema, nodeStateSchema, RUN_STATUSES } from './records.js';
import { scripts } from './script.js';

export interface RunMeta {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly nodeCount: number;
  readonly unfinished: number;
  readonly output: InputTemplate;
  readonly failedNode?: string;
}

export interface RawNode {
  readonly id: string;
  readonly task: string;
  readonly next: readonly string[];
  readonly state: NodeState;
  readonly errorJson?: string;
}

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
    nodeCount: Number(fields.nodeCount),
    unfinished: Number(fields.unfinished),
    output: JSON.parse(fields.output ?? '{"list":[]}') as InputTemplate,
    ...(fields.failedNode ? { failedNode: fields.failedNode } : {}),
  };
}

/** Run-level reads and the submit transition. */
export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  /** Write the whole run in one script call (one round trip). Returns the creation time. */
  async submit(runId: string, name: string, plan: SubmissionPlan): Promise<number> {
    const run = this.keys.run(runId);
    const keys = [run.run, run.nodes, run.specs, this.keys.runsIndex, this.keys.sequence];
    const args: (string | number)[] = [runId, name, plan.outputJson, plan.rootQueues.length];
    for (const queue of plan.rootQueues) {
      const q = this.keys.queue(queue);
      keys.push(q.ready, q.delayed, q.signal);
      args.push(queue);
    }
    for (const node of plan.nodes) args.push(node.id, node.specJson, node.waiting);
    try {
      return Number(await scripts.submitRun.run(this.redis, keys, args));
    } catch (error) {
      if (error instanceof Error && error.message.includes('RUN_EXISTS')) throw new RunExistsError(runId);
      throw error;
    }
  }

  async meta(runId: string): Promise<RunMeta | null> {
    return parseMeta(runId, await this.redis.hgetall(this.keys.run(runId).run));
  }

  /** Results (parsed JSON) of the given nodes. */
  async results(runId: string, nodeIds: readonly string[]): Promise<Map<string, unknown>> {
    const values = nodeIds.length > 0 ? await this.redis.hmget(this.keys.run(runId).results, ...nodeIds) : [];
    const results = new Map<string, unknown>();
    nodeIds.forEach((id, index) => {
      const value = values[index];
      if (typeof value === 'string') results.set(id, JSON.parse(value));
    });
    return results;
  }

  /** The run's output template filled in, for a succeeded run. */
  async output(meta: RunMeta): Promise<Map<string, unknown>> {
    return this.results(meta.id, templateNodes(meta.output));
  }

  async nodeError(runId: string, nodeId: string): Promise<{ task: string; errorJson: string | null }> {
    const run = this.keys.run(runId);
    const [specJson, errorJson] = await Promise.all([
      this.redis.hget(run.specs, nodeId),
      this.redis.hget(run.errors, nodeId),
    ]);
    const task = specJson ? nodeSpecSchema.parse(JSON.parse(specJson)).task : '?';
    return { task, errorJson };
  }

  /** A consistent snapshot of the run and all its nodes (one MULTI). */
  async snapshot(runId: string): Promise<{ meta: RunMeta; nodes: RawNode[] } | null> {
    const run = this.keys.run(runId);
    const replies = await this.redis
      .multi()
      .hgetall(run.run)
      .hgetall(run.nodes)
      .hgetall(run.specs)
      .hgetall(run.errors)
      .exec();
    if (!replies) return null;
    const [metaFields, nodeFields, specFields, errorFields] = replies.map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    }) as [Record<string, string>, Record<string, string>, Record<string, string>, Record<string, string>];
    const meta = parseMeta(runId, metaFields);
    if (!meta) return null;
    const nodes: RawNode[] = Object.entries(nodeFields).map(([id, stateJson]) => {
      const spec = nodeSpecSchema.parse(JSON.parse(specFields[id] ?? 'null'));
      const errorJson = errorFields[id];
      return {
        id,
        task: spec.task,
        next: spec.next ?? [],
        state: nodeStateSchema.parse(JSON.parse(stateJson)),
        ...(errorJson ? { errorJson } : {}),
      };
    });
    nodes.sort((a, b) => Number(a.id) - Number(b.id));
    return { meta, nodes };
  }
}
