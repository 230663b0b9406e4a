import { CeleriacError } from './celeriac-error.js';

/**
 * The worker running an attempt lost its lease (a heartbeat came too late, e.g. after a long
 * event-loop stall): the node was handed to another worker, and this attempt's result will be
 * ignored. Given as the reason of the handler's AbortSignal.
 */
export class LeaseLostError extends CeleriacError {
  readonly code = 'LEASE_LOST';
  readonly runId: string;
  readonly nodeId: string;

  constructor(runId: string, nodeId: string) {
    super(`the lease on node ${nodeId} of run ${runId} was lost; another worker owns it now`);
    this.runId = runId;
    this.nodeId = nodeId;
  }
}
