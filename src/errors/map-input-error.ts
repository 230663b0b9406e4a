import { CeleriacError } from './celeriac-error.js';

/** A map node received something that is not a list: the node fails for good. */
export class MapInputError extends CeleriacError {
  readonly code = 'MAP_INPUT_INVALID';
  readonly runId: string;
  readonly nodeId: string;
  /** What it received instead: `typeof`, or "null". */
  readonly received: string;

  constructor(runId: string, nodeId: string, received: string) {
    super(`map node ${nodeId} of run ${runId} needs a list as its input, got ${received}`);
    this.runId = runId;
    this.nodeId = nodeId;
    this.received = received;
  }
}
