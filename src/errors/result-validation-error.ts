import type { StandardSchemaV1 } from '@standard-schema/spec';
import { CeleriacError } from './celeriac-error.js';

/** A handler returned a value that does not satisfy the task's `result` schema. */
export class ResultValidationError extends CeleriacError {
  readonly code = 'RESULT_INVALID';
  readonly task: string;
  /** The schema library's issues. */
  readonly issues: readonly StandardSchemaV1.Issue[];

  constructor(task: string, problem: string, options?: { cause?: unknown; issues?: readonly StandardSchemaV1.Issue[] }) {
    super(`result of task "${task}" is invalid: ${problem}`, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.task = task;
    this.issues = options?.issues ?? [];
  }
}
