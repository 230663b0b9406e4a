import { CeleriacError } from './celeriac-error.js';

/** The reason given to a running handler's AbortSignal when its run is cancelled. */
export class RunCancelledError extends CeleriacError {
  readonly code = 'RUN_CANCELLED';
  readonly runId: string;

  constructor(runId: string) {
    super(`run ${runId} was cancelled`);
    this.runId = runId;
  }
}
