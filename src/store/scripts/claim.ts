import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, integerReply, stringReply } from '../script-reply.js';

export interface ClaimInput {
  readonly shard: ShardKeys;
  readonly queues: readonly string[];
  readonly wanted: number;
  readonly leaseMs: number;
  /** Most due or expired messages moved per queue. */
  readonly upkeepLimit: number;
}

export interface ClaimReply {
  /** ms until the worker must look again by itself, -1 for never. */
  readonly wakeInMs: number;
  readonly claimed: readonly { readonly queue: string; readonly message: string }[];
}

/** claim.lua: lease messages from a shard's queues, in the order given. */
export const claim = defineScript<ClaimInput, ClaimReply>({
  name: 'claim',
  keys: ({ shard, queues }) => [shard.sequence, ...shard.queueScriptKeys(queues)],
  args: ({ wanted, leaseMs, upkeepLimit }) => [wanted, leaseMs, upkeepLimit],
  decode: (reply, { queues }) => {
    const values = arrayReply('claim', reply);
    if (values.length % 2 !== 1) badReply('claim', `${values.length} values, not wakeInMs then pairs`);
    const claimed: { queue: string; message: string }[] = [];
    for (let index = 1; index < values.length; index += 2) {
      const queue = queues[integerReply('claim', values[index], 'a queue index') - 1];
      if (queue === undefined) badReply('claim', `queue index ${String(values[index])} of ${queues.length}`);
      claimed.push({ queue, message: stringReply('claim', values[index + 1], 'a message') });
    }
    return { wakeInMs: integerReply('claim', values[0], 'wakeInMs'), claimed };
  },
});
