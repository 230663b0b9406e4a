import {
  type FillSlots,
  NodeStore,
  type StartedNode,
  type StartOutcome,
} from '../../src/store/node-store.js';
import type { NodeMessage } from '../../src/store/messages.js';

export type CompleteOutcome =
  | { readonly kind: 'stale' }
  /** The run was cancelled: the result was dropped and the node cancelled. */
  | { readonly kind: 'discarded' }
  /** runFinished: this completion made the run succeed. */
  | { readonly kind: 'completed'; readonly next: StartedNode | null; readonly runFinished: boolean };

/**
 * A NodeStore with one-node forms of startMany and completeMany, for tests that drive the
 * scripts a step at a time (the worker always batches).
 */
export class SteppingNodeStore extends NodeStore {
  /** Start one claimed message (start-nodes with one message). */
  async start(message: NodeMessage, queue: string, maxLeaseExpiries: number, leaseExpiredErrorJson: string): Promise<StartOutcome> {
    const [outcome] = await this.startMany(message.runId, queue, [message], maxLeaseExpiries, leaseExpiredErrorJson);
    return outcome!;
  }

  /**
   * Report one successful attempt (complete-nodes with one completion). With `takeNext`, one
   * dependant of it may be started and handed back (no claims from the queues).
   */
  async complete(
    node: StartedNode,
    resultJson: string,
    takeNext: { readonly consumedQueues: ReadonlySet<string>; readonly leaseMs: number } | null,
    span = '',
  ): Promise<CompleteOutcome> {
    const fill: FillSlots | null = takeNext && {
      count: 1,
      queues: [...takeNext.consumedQueues],
      leaseMs: takeNext.leaseMs,
      maxLeaseExpiries: 0,
      leaseExpiredErrorJson: '',
      claimFromQueues: false,
    };
    const outcome = await this.completeMany(node.message.runId, [{ node, resultJson, span }], fill);
    const kind = outcome.outcomes[0];
    if (kind === 'stale' || kind === 'discarded') return { kind };
    return { kind: 'completed', next: outcome.started[0] ?? null, runFinished: outcome.finish !== null };
  }
}
