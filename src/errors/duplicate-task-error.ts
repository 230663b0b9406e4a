import { CeleriacError } from './celeriac-error.js';

/** `app.task` was called twice with the same name. */
export class DuplicateTaskError extends CeleriacError {
  readonly code = 'TASK_DUPLICATE';
  readonly task: string;

  constructor(task: string) {
    super(`task "${task}" is already registered in this app`);
    this.task = task;
  }
}
