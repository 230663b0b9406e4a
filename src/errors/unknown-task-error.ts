import { CeleriacError } from './celeriac-error.js';

/** A canvas or a message names a task this app has not registered. */
export class UnknownTaskError extends CeleriacError {
  readonly code = 'TASK_UNKNOWN';
  readonly task: string;

  constructor(task: string, where: string) {
    super(
      `${where}: task "${task}" is not registered in this app; register it with app.task(), ` +
        `or use app.signature("${task}", args) for a task implemented by other workers`,
    );
    this.task = task;
  }
}
