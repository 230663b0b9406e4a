import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { integerReply } from '../script-reply.js';

export interface ReleaseMessagesInput {
  readonly shard: ShardKeys;
  readonly queue: string;
  readonly messages: readonly string[];
}

/** release-messages.lua: leased messages back to ready, unstarted. Replies how many went back. */
export const releaseMessages = defineScript<ReleaseMessagesInput, number>({
  name: 'release-messages',
  keys: ({ shard, queue }) => {
    const q = shard.queue(queue);
    return [shard.sequence, q.ready, q.leases, q.signal];
  },
  args: ({ messages }) => messages,
  decode: (reply) => integerReply('release-messages', reply),
});
