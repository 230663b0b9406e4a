import { CeleriacError } from './celeriac-error.js';

/** A task name was registered twice in one app (app.task or app.implement). */
export class DuplicateTaskError extends CeleriacError {
  readonly code = 'TASK_DUPLICATE';
  readonly task: string;
  /** True when the same contract was implemented twice; false when another contract had the name. */
  readonly sameContract: boolean;

  constructor(task: string, sameContract = true) {
    super(
      sameContract
        ? `task "${task}" is already registered in this app`
        : `task "${task}" is already registered in this app by another contract of the same name`,
    );
    this.task = task;
    this.sameContract = sameContract;
  }
}
