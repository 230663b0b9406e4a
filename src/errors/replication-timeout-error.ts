import { CeleriacError } from './celeriac-error.js';

/**
 * Fewer replicas acknowledged a state transition than `replication.waitReplicas` asked for,
 * within `replication.timeoutMs`. The transition WAS applied on the primary: it stands, and is
 * visible to every reader, but it may be lost if that primary fails before a replica copies it
 * (docs/reliability.md, "Redis Cluster failover").
 */
export class ReplicationTimeoutError extends CeleriacError {
  readonly code = 'REPLICATION_TIMEOUT';
  /** The replicas that acknowledged the write in time. */
  readonly acknowledged: number;
  /** The replicas asked for. */
  readonly wanted: number;
  /** The transition (its script's name, e.g. "complete-nodes"). */
  readonly operation: string;

  constructor(operation: string, acknowledged: number, wanted: number, timeoutMs: number, options?: { cause?: unknown }) {
    super(
      `${operation} was applied on the primary, but ${acknowledged} of ${wanted} wanted replica(s) acknowledged it within ` +
        `${timeoutMs} ms: it may be lost if that primary fails before a replica copies it`,
      options,
    );
    this.acknowledged = acknowledged;
    this.wanted = wanted;
    this.operation = operation;
  }
}
