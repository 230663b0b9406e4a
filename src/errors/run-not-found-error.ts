import { CeleriacError } from './celeriac-error.js';

/** No run with this id exists under the app's prefix (never submitted, or already expired). */
export class RunNotFoundError extends CeleriacError {
  readonly code = 'RUN_NOT_FOUND';
  readonly runId: string;

  constructor(runId: string) {
    super(`run ${runId} does not exist (never submitted under this prefix, or expired)`);
    this.runId = runId;
  }
}
