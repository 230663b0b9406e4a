import { CeleriacError } from './celeriac-error.js';

/**
 * A run that is still running cannot be deleted: its workers would keep writing to it. Cancel it
 * first, or delete with `force` (which cancels it, then deletes it). Nothing was deleted.
 */
export class RunActiveError extends CeleriacError {
  readonly code = 'RUN_ACTIVE';
  readonly runId: string;

  constructor(runId: string) {
    super(`run ${runId} is still running: cancel it first, or delete it with force`);
    this.runId = runId;
  }
}
