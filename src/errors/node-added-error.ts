import { CeleriacError } from './celeriac-error.js';

/**
 * `rerun({ from })` named a node a map added at run time. A rerun from there would have to
 * reach the map node, which comes before it: rerun from the map node (it expands again), or
 * resume the run (what failed inside the expansion runs again).
 */
export class NodeAddedError extends CeleriacError {
  readonly code = 'NODE_ADDED';
  readonly runId: string;
  readonly nodeId: string;

  constructor(runId: string, nodeId: string) {
    super(`node ${nodeId} of run ${runId} was added by a map at run time: rerun from the map node (it expands again), or resume the run`);
    this.runId = runId;
    this.nodeId = nodeId;
  }
}
