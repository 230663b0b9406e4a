import { CeleriacError } from './celeriac-error.js';

/**
 * Redis refused a write because it reached `maxmemory` (policy `noeviction`: Redis's `OOM`
 * reply). Nothing was written by the refused command. Free memory or raise maxmemory.
 */
export class RedisFullError extends CeleriacError {
  readonly code = 'REDIS_FULL';
  /** What was being done, e.g. `submit`, `start-nodes`. */
  readonly operation: string;

  constructor(operation: string, options?: { cause?: unknown }) {
    super(`Redis is out of memory (maxmemory reached): ${operation} was refused and wrote nothing`, options);
    this.operation = operation;
  }
}
