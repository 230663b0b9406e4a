import { CeleriacError } from './celeriac-error.js';

/**
 * A submit lost the specs it had staged before it could commit them (Redis restarted or was
 * flushed in between, or the staging outlived its expiry). The run was not created and nothing
 * of it is left: submitting again with the same id is safe.
 */
export class SubmitInterruptedError extends CeleriacError {
  readonly code = 'SUBMIT_INTERRUPTED';
  readonly runId: string;
  /** Specs the commit expected to find staged, and how many it found. */
  readonly expected: number;
  readonly found: number;

  constructor(runId: string, expected: number, found: number) {
    super(
      `submit of run ${runId} was interrupted: ${found} of its ${expected} staged specs were left when it committed ` +
        '(Redis restarted or was flushed in between?); the run was not created, so submitting it again is safe',
    );
    this.runId = runId;
    this.expected = expected;
    this.found = found;
  }
}
