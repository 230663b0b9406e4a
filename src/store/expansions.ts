import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';
import type { ReplicationWait } from './script.js';
import { MAP_TASK } from '../graph/spec.js';
import { specFromStored } from './spec-format.js';
import { type ElementPlan, elementPlacements, expansionReadsJson, expansionSpecs } from './expansion-format.js';
import { type ExpandOutcome, expandNode } from './scripts/expand-node.js';

/** How many times an expansion is built again after other expansions of its run took its ids. */
const MAX_CONFLICTS = 20;

/** The map node's attempt, as the worker holds it. */
export interface MapAttempt {
  readonly runId: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly queue: string;
  /** Its leased message. */
  readonly message: string;
  /** The queues its dependants are delivered on (its spec's). */
  readonly nextQueues: readonly string[] | undefined;
  /** Its spec's guards and errback flag, which what it adds inherits. */
  readonly guards: readonly string[] | undefined;
  readonly errback: boolean;
}

/**
 * Add a map node's element runs (one per item), or a replacement canvas (no item: one copy), to
 * its run (expand-node.lua): the specs are built here, from the run's nodeCount, and committed in
 * one script call that checks the count has not moved; when another expansion of the same run
 * committed first, they are built again from the new count.
 */
export async function expandMap(
  redis: RedisClient,
  keys: KeySpace,
  replication: ReplicationWait | null,
  node: MapAttempt,
  plan: ElementPlan,
  items: readonly string[],
  span: string,
): Promise<ExpandOutcome> {
  const { runId, nodeId, message } = node;
  const shard = keys.forRun(runId);
  const placements = elementPlacements(plan);
  const waiting = plan.waiting;
  const readsJson = expansionReadsJson(plan);
  let first = Number(await redis.hget(shard.run(runId).run, 'nodeCount'));
  for (let conflicts = 0; ; conflicts++) {
    const { specs, itemNodes } = expansionSpecs({ plan, mapId: nodeId, mapNextQueues: node.nextQueues, mapGuards: node.guards, mapErrback: node.errback, first, items });
    const outcome = await expandNode.run(
      redis,
      { shard, runId, nodeId, attempt: node.attempt, queue: node.queue, message, first, items, itemNodes: itemNodes > 0, k: plan.k, exitCount: plan.exits.length, waiting, placements, specs, readsJson, span },
      replication,
    );
    if (outcome.kind !== 'conflict' || conflicts >= MAX_CONFLICTS) return outcome;
    first = outcome.nodeCount;
  }
}

/**
 * How many replacements the node `parent` (a node's spec's parent) and its ancestors made: the
 * chain of parents read one spec at a time, maps not counted. Stops past `limit`.
 */
export async function replacementDepth(redis: RedisClient, keys: KeySpace, runId: string, parent: string | undefined, limit: number): Promise<number> {
  const specs = keys.forRun(runId).run(runId).specs;
  let depth = 0;
  for (let at = parent; at !== undefined && depth <= limit; ) {
    const json = await redis.hget(specs, at);
    if (json === null) break;
    const spec = specFromStored(JSON.parse(json));
    if (spec.task !== MAP_TASK) depth++;
    at = spec.parent;
  }
  return depth;
}
