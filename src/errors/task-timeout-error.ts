import { CeleriacError } from './celeriac-error.js';

/** A handler ran past its task's `timeoutMs`; its AbortSignal was fired. */
export class TaskTimeoutError extends CeleriacError {
  readonly code = 'TASK_TIMEOUT';
  readonly task: string;
  readonly timeoutMs: number;

  constructor(task: string, timeoutMs: number) {
    super(`task "${task}" timed out after ${timeoutMs} ms`);
    this.task = task;
    this.timeoutMs = timeoutMs;
  }
}
