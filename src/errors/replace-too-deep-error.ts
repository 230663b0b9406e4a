import { CeleriacError } from './celeriac-error.js';

/**
 * A handler returned replace() in a node that replacements had already added `limit` levels
 * deep: the node fails for good, nothing is added (a handler that always replaces itself would
 * never end).
 */
export class ReplaceTooDeepError extends CeleriacError {
  readonly code = 'REPLACE_TOO_DEEP';
  readonly runId: string;
  readonly nodeId: string;
  readonly limit: number;

  constructor(runId: string, nodeId: string, limit: number) {
    super(`node ${nodeId} of run ${runId} replaces itself more than ${limit} levels deep (each replace() adding a node that replaces itself again)`);
    this.runId = runId;
    this.nodeId = nodeId;
    this.limit = limit;
  }
}
