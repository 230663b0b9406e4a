import { CeleriacError } from './celeriac-error.js';

/** A map's list is longer than the app's `maxMapLength`: the node fails for good, nothing is added. */
export class MapTooLargeError extends CeleriacError {
  readonly code = 'MAP_TOO_LARGE';
  readonly runId: string;
  readonly nodeId: string;
  readonly length: number;
  readonly limit: number;

  constructor(runId: string, nodeId: string, length: number, limit: number) {
    super(`map node ${nodeId} of run ${runId} received a list of ${length} items, more than maxMapLength (${limit}); raise AppOptions.maxMapLength or split the list`);
    this.runId = runId;
    this.nodeId = nodeId;
    this.length = length;
    this.limit = limit;
  }
}
