import { CeleriacError } from './celeriac-error.js';

/** A handler returned a value that does not satisfy the task's `result` schema. */
export class ResultValidationError extends CeleriacError {
  readonly code = 'RESULT_INVALID';
  readonly task: string;

  constructor(task: string, problem: string, options?: { cause?: unknown }) {
    super(`result of task "${task}" is invalid: ${problem}`, options);
    this.task = task;
  }
}
