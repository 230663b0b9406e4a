import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, integerReply, stringReply } from '../script-reply.js';

export interface QueueStatsInput {
  readonly shard: ShardKeys;
  readonly queues: readonly string[];
}

export interface QueueStatsReply {
  /** ms, Redis's clock. */
  readonly now: number;
  /** Per queue, in order; `oldest`: its oldest ready member (a message or a range), "" for none. */
  readonly queues: readonly { readonly ready: number; readonly delayed: number; readonly leased: number; readonly oldest: string }[];
}

const NAME = 'queue-stats';

/** queue-stats.lua: one shard's counts of some queues, read at one instant. */
export const queueStats = defineScript<QueueStatsInput, QueueStatsReply>({
  name: NAME,
  keys: ({ shard, queues }) => {
    const keys: string[] = [];
    for (const name of queues) {
      const q = shard.queue(name);
      keys.push(q.ready, q.delayed, q.leases, q.ranged);
    }
    return keys;
  },
  args: () => [],
  decode: (reply, { queues }) => {
    const values = arrayReply(NAME, reply);
    if (values.length !== 1 + 4 * queues.length) badReply(NAME, `${values.length} values for ${queues.length} queues`);
    return {
      now: integerReply(NAME, values[0], 'now'),
      queues: queues.map((_name, index) => {
        const base = 1 + 4 * index;
        return {
          ready: integerReply(NAME, values[base], 'a ready count'),
          delayed: integerReply(NAME, values[base + 1], 'a delayed count'),
          leased: integerReply(NAME, values[base + 2], 'a leased count'),
          oldest: stringReply(NAME, values[base + 3], 'an oldest message'),
        };
      }),
    };
  },
});
