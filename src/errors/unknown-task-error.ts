import { CeleriacError } from './celeriac-error.js';

/**
 * A canvas or a message names a task this app has not registered. `side` says where: at submit
 * the cure may be app.signature(); in a worker the task is already by name, so it needs a handler.
 */
export class UnknownTaskError extends CeleriacError {
  readonly code = 'TASK_UNKNOWN';
  readonly task: string;

  constructor(task: string, where: string, side: 'submit' | 'worker' = 'submit') {
    super(
      side === 'submit'
        ? `${where}: task "${task}" is not registered in this app; register it with app.task(), ` +
            `or use app.signature("${task}", args) for a task implemented by other workers`
        : `${where}: task "${task}" is not registered in this worker's app; register it with app.task() ` +
            `in the app this worker runs, or send the task to a queue whose workers implement it (.set({ queue }))`,
    );
    this.task = task;
  }
}
