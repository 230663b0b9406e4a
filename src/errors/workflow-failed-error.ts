import { CeleriacError } from './celeriac-error.js';

/** What a failed node recorded about the error that failed it. */
export interface NodeErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** The `code` of a CeleriacError (or any error that carried a string `code`). */
  readonly code?: string;
}

/**
 * The run failed: a node failed for good. Names that node and carries the original error's
 * name, message and stack (the original object lived in another process).
 */
export class WorkflowFailedError extends CeleriacError {
  readonly code = 'WORKFLOW_FAILED';
  readonly runId: string;
  readonly nodeId: string;
  readonly task: string;
  /** The failed node's own error, as recorded by the worker (also set as `cause`). */
  readonly nodeError: NodeErrorInfo;

  constructor(runId: string, nodeId: string, task: string, nodeError: NodeErrorInfo) {
    super(
      `run ${runId} failed: node ${nodeId} (${task}) threw ${nodeError.name}: ${nodeError.message}`,
      { cause: nodeError },
    );
    this.runId = runId;
    this.nodeId = nodeId;
    this.task = task;
    this.nodeError = nodeError;
    if (nodeError.stack) this.stack = `${this.name}: ${this.message}\nCaused by: ${nodeError.stack}`;
  }
}
