import type { ShardKeys } from '../keys.js';
import type { NodeMessage } from '../messages.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, stringReply } from '../script-reply.js';

export interface StartNodesInput {
  readonly shard: ShardKeys;
  readonly runId: string;
  /** The queue the messages were claimed from. */
  readonly queue: string;
  readonly messages: readonly NodeMessage[];
  readonly maxLeaseExpiries: number;
  /** Recorded for a node that lost its worker too often; "%s" stands for the node id. */
  readonly leaseExpiredErrorJson: string;
  /** Named in the node.started events ("" for none). */
  readonly workerId: string;
}

/** Per message, in order: the started node's JSON (includes/start.lua), or why it was skipped. */
export type StartNodesReply = readonly (string | { readonly skipped: string })[];

/** start-nodes.lua: start claimed messages of one run from one queue. */
export const startNodes = defineScript<StartNodesInput, StartNodesReply>({
  name: 'start-nodes',
  keys: ({ shard, runId, queue }) => [...shard.runScriptKeys(runId), shard.queue(queue).leases, shard.deadLetters.list, shard.deadLetters.counts],
  args: ({ shard, runId, queue, messages, maxLeaseExpiries, leaseExpiredErrorJson, workerId }) => {
    const args: (string | number)[] = [runId, maxLeaseExpiries, shard.runChannel(runId), leaseExpiredErrorJson, queue, workerId];
    for (const message of messages) args.push(message.nodeId, message.raw, message.delivery);
    return args;
  },
  decode: (reply, { messages }) => {
    const replies = arrayReply('start-nodes', reply);
    if (replies.length !== messages.length) badReply('start-nodes', `${replies.length} replies for ${messages.length} messages`);
    return replies.map((one) => {
      if (typeof one === 'string') return one;
      const skip = arrayReply('start-nodes', one, 'a skip');
      if (skip[0] !== 'skipped') badReply('start-nodes', `a reply is neither a node nor a skip (${String(skip[0])})`);
      return { skipped: stringReply('start-nodes', skip[1], 'a skip reason') };
    });
  },
});
