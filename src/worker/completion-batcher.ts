import type { ClaimedMessage, CompletionKind, FillSlots, NodeStore, StartedNode } from '../store/node-store.js';

/** What one reported completion came to. */
export interface CompletionReport {
  readonly kind: CompletionKind;
  /** This completion's batch made the run succeed (told to one completion of the batch only). */
  readonly runFinished: boolean;
  /** A dependant complete-nodes started for this completion's slot (take-next), if any. */
  readonly next: StartedNode | null;
}

interface Pending {
  readonly node: StartedNode;
  readonly resultJson: string;
  readonly span: string;
  /** The slot can run a dependant right away (the worker is not closing). */
  readonly wantsNext: boolean;
  readonly resolve: (report: CompletionReport) => void;
  readonly reject: (error: unknown) => void;
}

export interface CompletionBatcherOptions {
  /** Most completions in one script call (bounds how long one call holds Redis). */
  readonly maxBatch: number;
  /** How complete-nodes fills the slots that want work (all but the count, set per batch). */
  readonly slots: Omit<FillSlots, 'count'>;
  /** A batch made its run succeed: the finish message its channel got (for waiters in this process). */
  readonly onRunFinished: (runId: string, finish: string) => void;
  /**
   * Messages of other runs that complete-nodes claimed for the slots of completions that wanted
   * work: the worker starts them (start-nodes). Each takes over one such slot.
   */
  readonly onClaimed: (claimed: readonly ClaimedMessage[]) => void;
}

/**
 * Gathers the successful attempts that finish together and reports them with one complete-nodes
 * call per run: the members of a wide group, started together, finish together, and cost one
 * script call per batch instead of one each. The slots they free are offered in the same call:
 * complete-nodes fills them with dependants (take-next) and then from the queues, so a wide
 * group's next batch comes back with the completions of the last.
 *
 * The batch is sent from a microtask, as soon as the attempts started together have finished,
 * not at the end of the event-loop turn: with batches of half the worker's slots, the two halves
 * then stay apart, one half's handlers running while Redis works on the other's call (flushing
 * at setImmediate let a second reply arrive first and merged the halves again).
 *
 * A completion that nothing can join (no other attempt runs in the worker: a chain hop) is sent
 * at once, not at the end of the microtask queue: the next step starts sooner, and the call is
 * made without the batch's bookkeeping.
 */
export class CompletionBatcher {
  private readonly pending = new Map<string, Pending[]>();
  private scheduled = false;
  /** The slot offers by slot count, made once each (a batch asks with its own count). */
  private readonly fills: FillSlots[] = [];

  constructor(
    private readonly nodes: NodeStore,
    private readonly options: CompletionBatcherOptions,
  ) {}

  /**
   * Report a successful attempt. `alone`: no other attempt is running in the worker, so no
   * completion can join this one's batch (it is sent at once unless a batch is already waiting).
   */
  complete(node: StartedNode, resultJson: string, span: string, wantsNext: boolean, alone = false): Promise<CompletionReport> {
    if (alone && !this.scheduled) return this.sendOne(node, resultJson, span, wantsNext);
    return new Promise<CompletionReport>((resolve, reject) => {
      const runId = node.message.runId;
      let list = this.pending.get(runId);
      if (!list) {
        list = [];
        this.pending.set(runId, list);
      }
      list.push({ node, resultJson, span, wantsNext, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [runId, list] of batches) {
      for (let first = 0; first < list.length; first += this.options.maxBatch) {
        void this.send(runId, list.slice(first, first + this.options.maxBatch));
      }
    }
  }

  private fill(count: number): FillSlots {
    return (this.fills[count] ??= { ...this.options.slots, count });
  }

  private sendOne(node: StartedNode, resultJson: string, span: string, wantsNext: boolean): Promise<CompletionReport> {
    return this.nodes.completeMany(node.message.runId, [{ node, resultJson, span }], wantsNext ? this.fill(1) : null).then((outcome) => {
      if (outcome.claimed.length > 0) this.options.onClaimed(outcome.claimed);
      const kind = outcome.outcomes[0] ?? 'stale';
      if (outcome.finish !== null) this.options.onRunFinished(node.message.runId, outcome.finish);
      return { kind, runFinished: outcome.finish !== null && kind === 'completed', next: wantsNext ? (outcome.started[0] ?? null) : null };
    });
  }

  private async send(runId: string, batch: readonly Pending[]): Promise<void> {
    let wanting = 0;
    for (const pending of batch) if (pending.wantsNext) wanting++;
    try {
      const options = this.options;
      const outcome = await this.nodes.completeMany(runId, batch, wanting > 0 ? this.fill(wanting) : null);
      // Started nodes go to the slots that asked for work, in order; claimed messages of other
      // runs take over the slots left (the worker starts them, and those slots end here).
      if (outcome.finish !== null) options.onRunFinished(runId, outcome.finish);
      let nextIndex = 0;
      let finishTold = false;
      batch.forEach((pending, index) => {
        const next = pending.wantsNext ? (outcome.started[nextIndex++] ?? null) : null;
        const kind = outcome.outcomes[index] ?? 'stale';
        const runFinished = outcome.finish !== null && kind === 'completed' && !finishTold;
        if (runFinished) finishTold = true;
        pending.resolve({ kind, runFinished, next });
      });
      if (outcome.claimed.length > 0) options.onClaimed(outcome.claimed);
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}
