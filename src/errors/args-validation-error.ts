import { CeleriacError } from './celeriac-error.js';

/** A task's arguments do not satisfy its `args` schema or its arity. */
export class ArgsValidationError extends CeleriacError {
  readonly code = 'ARGS_INVALID';
  readonly task: string;
  /** Where in the canvas (at submit) or the node id (in a worker). */
  readonly path: string;

  constructor(task: string, path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: arguments of task "${task}" are invalid: ${problem}`, options);
    this.task = task;
    this.path = path;
  }
}
