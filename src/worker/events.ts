import type { RepairReport } from '../store/repair.js';

/**
 * How an attempt ended, as Redis recorded it:
 * - `completed`: its result was recorded (the node succeeded);
 * - `stale`: fenced off: another attempt owns the node now (this worker stalled past its lease,
 *   or the report was a duplicate), so the result was dropped;
 * - `discarded`: the run had been cancelled, so the result was dropped;
 * - `retrying`: it failed and will be tried again after its backoff;
 * - `failed`: it failed for good (`run-failed`: and that failed the run);
 * - `cancelled`: it was aborted because its run was cancelled (also when a resume had already
 *   reset the node by the time it reported), or it failed after its run was cancelled or had failed;
 * - `lease-lost`: the worker lost its lease while it ran (another worker owns the node); nothing
 *   was reported.
 */
export type AttemptOutcomeKind = 'completed' | 'stale' | 'discarded' | 'retrying' | 'failed' | 'run-failed' | 'cancelled' | 'lease-lost';

export type WorkerEvent =
  | {
      readonly type: 'attempt';
      readonly runId: string;
      readonly nodeId: string;
      readonly task: string;
      /** The attempt number (the fencing token). */
      readonly attempt: number;
      readonly outcome: AttemptOutcomeKind;
      /** The handler's error, when the attempt failed. */
      readonly error?: unknown;
    }
  /** The repair sweep this worker ran re-enqueued orphaned nodes (docs/reliability.md). */
  | { readonly type: 'repaired'; readonly report: RepairReport };
