import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';
import type { ReplicationWait } from './script.js';
import { type ElementPlan, elementPlacements, expansionSpecs } from './expansion-format.js';
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
}

/**
 * Add a map node's element runs to its run (expand-node.lua): the specs are built here, from the
 * run's nodeCount, and committed in one script call that checks the count has not moved; when
 * another expansion of the same run committed first, they are built again from the new count.
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
  let first = Number(await redis.hget(shard.run(runId).run, 'nodeCount'));
  for (let conflicts = 0; ; conflicts++) {
    const specs = expansionSpecs({ plan, mapId: nodeId, mapNextQueues: node.nextQueues, first, items });
    const outcome = await expandNode.run(
      redis,
      { shard, runId, nodeId, attempt: node.attempt, queue: node.queue, message, first, items, k: plan.k, exitCount: plan.exits.length, waiting, placements, specs, span },
      replication,
    );
    if (outcome.kind !== 'conflict' || conflicts >= MAX_CONFLICTS) return outcome;
    first = outcome.nodeCount;
  }
}
