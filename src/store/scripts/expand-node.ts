import { defineScript } from '../script.js';
import { integerReply, taggedReply } from '../script-reply.js';
import type { LeasedAttemptInput } from './run-input.js';
import type { ElementPlacement } from '../expansion-format.js';

export interface ExpandNodeInput extends LeasedAttemptInput {
  /** The first id to add: the run's nodeCount as the worker read it. */
  readonly first: number;
  /** The map's items as JSON; none for a replacement. */
  readonly items: readonly string[];
  /** Whether the items get nodes of their own (itemNodesNeeded). */
  readonly itemNodes: boolean;
  /** Nodes per element. */
  readonly k: number;
  readonly exitCount: number;
  /** Each element node's count of dependencies (0: a root of the element). */
  readonly waiting: readonly number[];
  readonly placements: readonly ElementPlacement[];
  /** The specs of the nodes added, in id order from `first` (expansionSpecs). */
  readonly specs: readonly string[];
  /** The expansion's value template and exits (expansionReadsJson). */
  readonly readsJson: string;
  /** The map attempt's span context ("" without tracing): the items carry it, for the element's links. */
  readonly span: string;
}

export type ExpandOutcome =
  | { readonly kind: 'expanded'; readonly added: number }
  | { readonly kind: 'conflict'; readonly nodeCount: number }
  | { readonly kind: 'stale' }
  | { readonly kind: 'cancelled' };

/** expand-node.lua: a map node's items and their element nodes, or a replacement canvas, added to its run. */
export const expandNode = defineScript<ExpandNodeInput, ExpandOutcome>({
  name: 'expand-node',
  keys: ({ shard, runId, queue, placements }) => {
    const queues = [queue, ...new Set(placements.map((placement) => placement.queue).filter((name) => name !== queue))];
    return [...shard.runScriptKeys(runId), shard.sequence, ...shard.queueScriptKeys(queues)];
  },
  args: ({ runId, nodeId, attempt, message, queue, first, items, itemNodes, k, exitCount, waiting, placements, specs, readsJson, span }) => {
    const queues = [queue, ...new Set(placements.map((placement) => placement.queue).filter((name) => name !== queue))];
    const args: (string | number)[] = [runId, nodeId, attempt, message, first, items.length, k, exitCount, itemNodes ? items.length : 0, span, queues.length, ...queues];
    for (const count of waiting) args.push(count);
    for (const { queue: name, priority, countdownMs, etaMs } of placements) args.push(queues.indexOf(name) + 1, priority, countdownMs, etaMs);
    args.push(readsJson);
    for (const spec of specs) args.push(spec);
    if (itemNodes) for (const item of items) args.push(item);
    return args;
  },
  decode: (reply) => {
    const [tag, rest] = taggedReply('expand-node', reply, ['expanded', 'conflict', 'stale', 'cancelled']);
    if (tag === 'expanded') return { kind: tag, added: integerReply('expand-node', rest[0], 'the count added') };
    if (tag === 'conflict') return { kind: tag, nodeCount: integerReply('expand-node', rest[0], 'the node count') };
    return { kind: tag };
  },
  subject: ({ runId, nodeId }) => ({ runId, nodeId }),
});
