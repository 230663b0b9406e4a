import { defineScript } from '../script.js';
import { badReply } from '../script-reply.js';
import type { LeasedAttemptInput } from './run-input.js';

export interface ExtendLeaseInput extends LeasedAttemptInput {
  readonly leaseMs: number;
}

const LEASE_STATES = ['lost', 'held', 'cancelled'] as const;

/** extend-lease.lua: whether this attempt still holds its lease, or its run was cancelled. */
export const extendLease = defineScript<ExtendLeaseInput, 'held' | 'lost' | 'cancelled'>({
  name: 'extend-lease',
  keys: ({ shard, runId, queue }) => {
    const run = shard.run(runId);
    return [run.run, run.nodes, shard.queue(queue).leases];
  },
  args: ({ nodeId, attempt, message, leaseMs }) => [nodeId, attempt, message, leaseMs],
  decode: (reply) => (typeof reply === 'number' ? LEASE_STATES[reply] : undefined) ?? badReply('extend-lease', `${String(reply)} is not 0, 1 or 2`),
});
