import { CeleriacError } from './celeriac-error.js';

/**
 * A node's lease expired more times than `maxLeaseExpiries` allows: the workers running it kept
 * dying or stalling (a poison task that crashes its process, or one that blocks the event loop).
 */
export class LeaseExpiredError extends CeleriacError {
  readonly code = 'LEASE_EXPIRED';
}
