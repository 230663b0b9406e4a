import { defineScript } from '../script.js';
import { oneOf } from '../script-reply.js';
import type { LeasedAttemptInput } from './run-input.js';

/** run-failed: this failure failed the run. */
export type FailOutcome = 'stale' | 'retrying' | 'cancelled' | 'failed' | 'run-failed';
const FAIL_OUTCOMES: readonly FailOutcome[] = ['stale', 'retrying', 'cancelled', 'failed', 'run-failed'];

export interface FailNodeInput extends LeasedAttemptInput {
  readonly errorJson: string;
  /** null: do not retry. */
  readonly retryDelayMs: number | null;
}

/** fail-node.lua: a failed attempt, retried or recorded. */
export const failNode = defineScript<FailNodeInput, FailOutcome>({
  name: 'fail-node',
  keys: ({ shard, runId, queue }) => {
    const q = shard.queue(queue);
    return [...shard.runScriptKeys(runId), q.leases, q.delayed, q.signal];
  },
  args: ({ shard, runId, nodeId, attempt, errorJson, message, retryDelayMs }) => [runId, nodeId, attempt, errorJson, message, retryDelayMs ?? -1, shard.runChannel(runId)],
  decode: (reply) => oneOf('fail-node', reply, FAIL_OUTCOMES),
});
