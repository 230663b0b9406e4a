import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { flagReply } from '../script-reply.js';

export interface DeadLetterInput {
  readonly shard: ShardKeys;
  readonly queue: string;
  /** The leased message. */
  readonly message: string;
  readonly reason: string;
}

/** dead-letter.lua: a leased message that is not celeriac's format; false when it had already left. */
export const deadLetter = defineScript<DeadLetterInput, boolean>({
  name: 'dead-letter',
  keys: ({ shard, queue }) => [shard.queue(queue).leases, shard.deadLetters.list, shard.deadLetters.counts],
  args: ({ queue, message, reason }) => [queue, message, reason],
  decode: (reply) => flagReply('dead-letter', reply),
});
