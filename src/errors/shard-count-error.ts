import { CeleriacError } from './celeriac-error.js';

/** The app's `shards` differs from the count its prefix was first used with. */
export class ShardCountError extends CeleriacError {
  readonly code = 'SHARD_COUNT_MISMATCH';
  readonly prefix: string;
  readonly configured: number;
  readonly recorded: number;

  constructor(prefix: string, configured: number, recorded: number) {
    super(
      `prefix "${prefix}" holds runs spread over ${recorded} shard(s), but this app is configured with shards: ${configured}; ` +
        `use shards: ${recorded} (a run's shard is fixed by the count, so changing it needs a new prefix)`,
    );
    this.prefix = prefix;
    this.configured = configured;
    this.recorded = recorded;
  }
}
