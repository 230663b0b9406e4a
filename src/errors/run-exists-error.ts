import { CeleriacError } from './celeriac-error.js';

/** A run with this id already exists; submit wrote nothing. */
export class RunExistsError extends CeleriacError {
  readonly code = 'RUN_EXISTS';
  readonly runId: string;

  constructor(runId: string) {
    super(`run ${runId} already exists; submit wrote nothing`);
    this.runId = runId;
  }
}
