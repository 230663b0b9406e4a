import { LeaseLostError, RunCancelledError } from '../errors/index.js';
import type { NodeStore, StartedNode } from '../store/node-store.js';
import type { AttemptAbort } from './attempt-abort.js';

/**
 * One slot's attempt in flight: set while an attempt runs and reports, null between attempts.
 * A slot keeps its entry in the worker's set for as long as it runs attempts (a wide group's
 * slot runs hundreds in a row), so the set is not rebuilt for every attempt.
 */
export interface Execution {
  node: StartedNode | null;
  abort: AttemptAbort | null;
}

export interface LeaseHeartbeatOptions {
  readonly nodes: NodeStore;
  /** The worker's slots, read as they are at each beat (the worker adds and removes them). */
  readonly executions: ReadonlySet<Execution>;
  readonly leaseMs: number;
  readonly onError: (error: unknown) => void;
}

/**
 * Keeps the leases of the attempts in flight: every third of the visibility timeout, and when a
 * cancellation is announced, it extends each one's lease and acts on the reply. A run found
 * cancelled has its attempts here aborted (RunCancelledError); an attempt whose lease another
 * worker holds now is aborted with LeaseLostError.
 */
export class LeaseHeartbeat {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LeaseHeartbeatOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.extend(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One beat for every attempt in flight (or only those of one run), acting on what it finds. */
  async extend(onlyRun?: string): Promise<void> {
    const { nodes, executions, leaseMs, onError } = this.options;
    // A snapshot: each slot's attempt as it is now (a slot moves on to its next attempt meanwhile).
    const inFlight: { readonly node: StartedNode; readonly abort: AttemptAbort }[] = [];
    for (const { node, abort } of executions) {
      if (node && abort && (onlyRun === undefined || node.message.runId === onlyRun)) inFlight.push({ node, abort });
    }
    await Promise.all(
      inFlight.map(async ({ node, abort }) => {
        try {
          const lease = await nodes.extendLease(node, leaseMs);
          if (lease === 'cancelled') this.abortRun(node.message.runId);
          else if (lease === 'lost' && !abort.aborted) {
            abort.abort(new LeaseLostError(node.message.runId, node.message.nodeId));
          }
        } catch (error) {
          onError(error);
        }
      }),
    );
  }

  /** The run was cancelled: abort its attempts running here (their results will be discarded). */
  private abortRun(runId: string): void {
    for (const { node, abort } of this.options.executions) {
      if (node && abort && node.message.runId === runId && !abort.aborted) abort.abort(new RunCancelledError(runId));
    }
  }
}
