import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { integerReply } from '../script-reply.js';

export interface PruneRunsInput {
  readonly shard: ShardKeys;
  /** Most runs pruned per call. */
  readonly limit: number;
  /** How long an expired run is still recognised as expired. */
  readonly expiredMemoryMs: number;
}

/** prune-runs.lua: drop the index entries of one shard's expired runs. Replies how many. */
export const pruneRuns = defineScript<PruneRunsInput, number>({
  name: 'prune-runs',
  keys: ({ shard }) => shard.indexScriptKeys(),
  args: ({ limit, expiredMemoryMs }) => [limit, expiredMemoryMs],
  decode: (reply) => integerReply('prune-runs', reply),
});
