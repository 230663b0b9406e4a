import { CeleriacError } from './celeriac-error.js';

/**
 * A warning, reported to a worker's `onError` (and printed by the CLI): Redis may evict keys
 * (`maxmemory-policy` is not `noeviction`). An evicted run, node state or queue message is lost
 * without a trace: runs hang or resolve with missing values.
 */
export class RedisEvictionPolicyError extends CeleriacError {
  readonly code = 'REDIS_EVICTION_POLICY';
  readonly endpoint: string;
  readonly policy: string;

  constructor(endpoint: string, policy: string) {
    super(
      `Redis at ${endpoint} has maxmemory-policy "${policy}": it may evict celeriac's keys and silently lose runs. ` +
        'Set it to "noeviction" (CONFIG SET maxmemory-policy noeviction, or in redis.conf).',
    );
    this.endpoint = endpoint;
    this.policy = policy;
  }
}
