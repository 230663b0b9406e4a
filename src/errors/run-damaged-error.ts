import { CeleriacError } from './celeriac-error.js';

/**
 * A run's stored state is missing or malformed (a key deleted by hand, evicted, or restored from
 * an older snapshot): celeriac will not answer from it rather than answer wrongly.
 */
export class RunDamagedError extends CeleriacError {
  readonly code = 'RUN_DAMAGED';
  readonly runId: string;
  /** What was found missing or malformed. */
  readonly reason: string;

  constructor(runId: string, reason: string, options?: { cause?: unknown }) {
    super(`run ${runId} is damaged: ${reason}`, options);
    this.runId = runId;
    this.reason = reason;
  }
}
