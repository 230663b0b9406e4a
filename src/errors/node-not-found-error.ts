import { CeleriacError } from './celeriac-error.js';

/** A node id that the run does not have (e.g. `rerun({ from })`). */
export class NodeNotFoundError extends CeleriacError {
  readonly code = 'NODE_NOT_FOUND';
  readonly runId: string;
  readonly nodeId: string;

  constructor(runId: string, nodeId: string) {
    super(`run ${runId} has no node "${nodeId}" (node ids are shown by inspect)`);
    this.runId = runId;
    this.nodeId = nodeId;
  }
}
