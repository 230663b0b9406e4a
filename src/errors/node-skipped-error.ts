import { CeleriacError } from './celeriac-error.js';

/**
 * `rerun({ from })` named a node of a `when` branch that was not taken: it has no value to redo.
 * Rerun from the `when`'s predicate instead, which decides again.
 */
export class NodeSkippedError extends CeleriacError {
  readonly code = 'NODE_SKIPPED';
  readonly runId: string;
  readonly nodeId: string;

  constructor(runId: string, nodeId: string) {
    super(`node ${nodeId} of run ${runId} was skipped (a when's branch not taken): rerun from the when's predicate to decide again`);
    this.runId = runId;
    this.nodeId = nodeId;
  }
}
