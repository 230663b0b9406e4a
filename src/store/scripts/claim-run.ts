import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, integerReply, stringReply } from '../script-reply.js';
import { type StartedReply, startedReply } from './started-reply.js';

export interface ClaimRunInput {
  readonly shard: ShardKeys;
  /** The run the signal named: its claimed messages are started in the same call. */
  readonly runId: string;
  /** The queues the worker consumes, most preferred first. */
  readonly queues: readonly string[];
  readonly wanted: number;
  readonly leaseMs: number;
  /** Most due or expired messages moved per queue. */
  readonly upkeepLimit: number;
  readonly maxLeaseExpiries: number;
  /** Recorded for a node that lost its worker too often; "%s" stands for the node id. */
  readonly leaseExpiredErrorJson: string;
  /** Named in the node.started events ("" for none). */
  readonly workerId: string;
}

export interface ClaimRunReply {
  /** ms until the worker must look again by itself, -1 for never. */
  readonly wakeInMs: number;
  /** Messages of other runs, leased to the worker: it starts them with start-nodes. */
  readonly claimed: readonly { readonly queue: string; readonly message: string }[];
  /** The named run's nodes started here: the message, its queue, the start JSON (includes/start.lua). */
  readonly started: readonly StartedReply[];
}

const NAME = 'claim-run';

/** claim-run.lua: a claim that also starts the claimed messages of the run a signal named. */
export const claimRun = defineScript<ClaimRunInput, ClaimRunReply>({
  name: NAME,
  keys: ({ shard, runId, queues }) => [...shard.runScriptKeys(runId), shard.sequence, shard.deadLetters.list, shard.deadLetters.counts, ...shard.queueScriptKeys(queues)],
  args: ({ shard, runId, queues, wanted, leaseMs, upkeepLimit, maxLeaseExpiries, leaseExpiredErrorJson, workerId }) => [
    runId,
    shard.runChannel(runId),
    wanted,
    leaseMs,
    upkeepLimit,
    maxLeaseExpiries,
    leaseExpiredErrorJson,
    workerId,
    ...queues,
  ],
  decode: (reply, { queues }) => {
    const [wakeInMs, claimedFlat, startedFlat, ...rest] = arrayReply(NAME, reply);
    if (rest.length > 0) badReply(NAME, `${3 + rest.length} values, not 3`);
    const claimedValues = arrayReply(NAME, claimedFlat, 'claimed');
    if (claimedValues.length % 2 !== 0) badReply(NAME, `${claimedValues.length} claimed values, not two per message`);
    const claimed: { queue: string; message: string }[] = [];
    for (let index = 0; index < claimedValues.length; index += 2) {
      const queue = queues[integerReply(NAME, claimedValues[index], 'a queue index') - 1];
      if (queue === undefined) badReply(NAME, `queue index ${String(claimedValues[index])} of ${queues.length}`);
      claimed.push({ queue, message: stringReply(NAME, claimedValues[index + 1], 'a message') });
    }
    return { wakeInMs: integerReply(NAME, wakeInMs, 'wakeInMs'), claimed, started: startedReply(NAME, startedFlat) };
  },
  subject: ({ runId }) => ({ runId }),
});
