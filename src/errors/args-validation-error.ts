import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CeleriacError } from './celeriac-error.js';

/** A task's arguments do not satisfy its `args` schema or its arity. */
export class ArgsValidationError extends CeleriacError {
  readonly code = 'ARGS_INVALID';
  readonly task: string;
  /** Where in the canvas (at submit) or the node id (in a worker). */
  readonly path: string;
  /** The schema library's issues, when a schema refused the args (empty for an arity check). */
  readonly issues: readonly StandardSchemaV1.Issue[];

  constructor(task: string, path: string, problem: string, options?: { cause?: unknown; issues?: readonly StandardSchemaV1.Issue[] }) {
    super(`${path}: arguments of task "${task}" are invalid: ${problem}`, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.task = task;
    this.path = path;
    this.issues = options?.issues ?? [];
  }
}
