import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { flagReply } from '../script-reply.js';

export interface RecordProgressInput {
  readonly shard: ShardKeys;
  readonly runId: string;
  readonly nodeId: string;
  readonly attempt: number;
  readonly progressJson: string;
}

/** record-progress.lua: a running attempt's progress; false when the attempt was fenced off. */
export const recordProgress = defineScript<RecordProgressInput, boolean>({
  name: 'record-progress',
  keys: ({ shard, runId }) => shard.runScriptKeys(runId),
  args: ({ runId, nodeId, attempt, progressJson }) => [runId, nodeId, attempt, progressJson],
  decode: (reply) => flagReply('record-progress', reply),
});
