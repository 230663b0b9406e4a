import { DEFAULT_QUEUE } from '../../graph/spec.js';
import type { ShardKeys } from '../keys.js';
import { parseMessage } from '../messages.js';
import { defineScript } from '../script.js';
import { badReply, stringsReply } from '../script-reply.js';
import type { CompleteNodesReply } from './complete-nodes.js';

const NAME = 'complete-step';

/** A chain's hop as complete-step takes it: one first attempt's result, and the dependant its spec marks. */
export interface CompleteStepInput {
  readonly shard: ShardKeys;
  readonly runId: string;
  readonly nodeId: string;
  /** The dependant the node's spec marks as its hop (NodeSpec.next[0] with NodeSpec.hop). */
  readonly nextId: string;
  readonly resultJson: string;
  /** The node's lease member: its message as claimed. */
  readonly message: string;
  /** The queue the node was claimed from, whose leases hold it. */
  readonly queue: string;
  readonly leaseMs: number;
  readonly workerId: string;
}

/**
 * complete-step.lua: a chain's hop, answered as complete-nodes answers it (the node completed, its
 * dependant started for the worker on the default queue); null when the stored state says it is
 * not a plain hop (nothing was written), for the caller to send complete-nodes.
 */
export const completeStep = defineScript<CompleteStepInput, CompleteNodesReply | null>({
  name: NAME,
  keys: ({ shard, runId, queue }) => {
    const run = shard.run(runId);
    return [run.run, run.nodes, run.specs, run.results, shard.events, shard.queue(queue).leases, shard.queue(DEFAULT_QUEUE).leases];
  },
  args: ({ runId, nodeId, nextId, resultJson, message, leaseMs, workerId }) => [runId, nodeId, nextId, resultJson, message, leaseMs, workerId],
  decode: (reply) => {
    if (reply === null) return null;
    const values = stringsReply(NAME, reply);
    if (values.length !== 2) badReply(NAME, `${values.length} values, not 2`);
    const [raw, json] = values as [string, string];
    const message = parseMessage(raw) ?? badReply(NAME, `the started message is malformed: ${raw}`);
    return { runs: [{ finish: null, outcomes: COMPLETED }], started: [{ message, queue: DEFAULT_QUEUE, json }], claimed: [] };
  },
  subject: ({ runId, nodeId }) => ({ runId, nodeId }),
});

const COMPLETED = ['completed'] as const;
