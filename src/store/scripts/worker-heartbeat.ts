import type { KeySpace } from '../keys.js';
import { defineScript } from '../script.js';
import { integerReply } from '../script-reply.js';
import { throughputScriptKeys } from '../throughput.js';

export type WorkerHeartbeatInput = {
  readonly keys: KeySpace;
  readonly id: string;
  /** The attempts finished since the last beat (throughput.ts's throughputArgs). */
  readonly throughputArgs: readonly (string | number)[];
} & (
  | { readonly action: 'beat'; readonly recordJson: string; readonly pruneAfterMs: number; readonly maxWorkers: number }
  | { readonly action: 'remove' }
);

/** worker-heartbeat.lua: a worker's beat, or its leaving the registry. Replies Redis's time in ms. */
export const workerHeartbeat = defineScript<WorkerHeartbeatInput, number>({
  name: 'worker-heartbeat',
  keys: ({ keys }) => [keys.workers.records, keys.workers.seen, keys.workers.started, ...throughputScriptKeys(keys)],
  args: (input) =>
    input.action === 'beat'
      ? ['beat', input.id, input.recordJson, input.pruneAfterMs, input.maxWorkers, ...input.throughputArgs]
      : ['remove', input.id, '', 0, 0, ...input.throughputArgs],
  decode: (reply) => integerReply('worker-heartbeat', reply),
});
