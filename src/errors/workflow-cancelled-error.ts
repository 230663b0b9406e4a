import { CeleriacError } from './celeriac-error.js';

/** The run was cancelled before it could finish. */
export class WorkflowCancelledError extends CeleriacError {
  readonly code = 'WORKFLOW_CANCELLED';
  readonly runId: string;

  constructor(runId: string) {
    super(`run ${runId} was cancelled`);
    this.runId = runId;
  }
}
