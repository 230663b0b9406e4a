import { CeleriacError } from './celeriac-error.js';

/**
 * The worker running an attempt was closed and its grace period (`closeTimeoutMs`) ran out
 * before the attempt finished: its result will not be reported, and the node is redelivered once
 * its lease expires. Given as the reason of the handler's AbortSignal.
 */
export class WorkerClosedError extends CeleriacError {
  readonly code = 'WORKER_CLOSED';
  readonly closeTimeoutMs: number;

  constructor(closeTimeoutMs: number) {
    super(`the worker closed before this attempt finished (closeTimeoutMs ${closeTimeoutMs}); the node will be redelivered`);
    this.closeTimeoutMs = closeTimeoutMs;
  }
}
