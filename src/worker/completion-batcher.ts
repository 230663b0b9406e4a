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
  /**
   * Hold up to `wanted` free slots of the worker besides the ones the completions free, for
   * dependants that become ready together (a step followed by a group); returns how many it held.
   * Absent: none.
   */
  readonly holdSlots?: (wanted: number) => number;
  /** Run what complete-nodes started in the held slots; the slots left are released. */
  readonly runHeld?: (nodes: readonly StartedNode[], held: number) => void;
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
 * call per shard, whatever runs they belong to: the members of a wide group, started together,
 * finish together, and cost one script call per batch instead of one each; so do the nodes of
 * many small runs that finish in the same turn. The slots they free are offered in the same call:
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
/** Most slots a completion call holds for dependants beyond the slots it frees. */
const MAX_EXTRA_SLOTS = 16;

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

  /**
   * Send what gathered: one complete-nodes call per shard, each carrying the completions of
   * several runs (their keys share the shard's slot) up to maxBatch completions; a run with more
   * is split over several calls.
   */
  private flush(): void {
    this.scheduled = false;
    const byShard = new Map<number, [string, Pending[]][]>();
    for (const [runId, list] of this.pending) {
      const shard = this.nodes.shardOf(runId);
      let runs = byShard.get(shard);
      if (!runs) {
        runs = [];
        byShard.set(shard, runs);
      }
      runs.push([runId, list]);
    }
    this.pending.clear();
    const { maxBatch } = this.options;
    for (const runs of byShard.values()) {
      let call: [string, Pending[]][] = [];
      let size = 0;
      for (const [runId, list] of runs) {
        for (let first = 0; first < list.length; ) {
          const take = Math.min(list.length - first, maxBatch - size);
          call.push([runId, list.slice(first, first + take)]);
          size += take;
          first += take;
          if (size === maxBatch) {
            void this.send(call);
            call = [];
            size = 0;
          }
        }
      }
      if (call.length > 0) void this.send(call);
    }
  }

  private fill(count: number): FillSlots {
    return (this.fills[count] ??= { ...this.options.slots, count });
  }

  private async sendOne(node: StartedNode, resultJson: string, span: string, wantsNext: boolean): Promise<CompletionReport> {
    const wanting = wantsNext ? 1 : 0;
    const held = this.holdExtra([node], wanting);
    let outcome;
    try {
      outcome = await this.nodes.completeMany(node.message.runId, [{ node, resultJson, span }], wantsNext ? this.fill(1) : null, held);
    } catch (error) {
      this.runHeld([], held);
      throw error;
    }
    this.runHeld(outcome.started.slice(wanting), held);
    if (outcome.claimed.length > 0) this.options.onClaimed(outcome.claimed);
    const kind = outcome.outcomes[0] ?? 'stale';
    if (outcome.finish !== null) this.options.onRunFinished(node.message.runId, outcome.finish);
    return { kind, runFinished: outcome.finish !== null && kind === 'completed', next: wantsNext ? (outcome.started[0] ?? null) : null };
  }

  /**
   * Slots to hold for the dependants a completion sent alone (nothing else runs in the worker) may
   * make ready beyond the `wanting` slots it frees: its dependants past those slots, at most
   * MAX_EXTRA_SLOTS, as many as the worker has free. A node with one dependant holds none.
   */
  private holdExtra(nodes: readonly StartedNode[], wanting: number): number {
    if (wanting === 0 || !this.options.holdSlots) return 0;
    let dependants = 0;
    for (const node of nodes) dependants += node.spec.next?.length ?? 0;
    const wanted = Math.min(MAX_EXTRA_SLOTS, dependants - wanting);
    return wanted > 0 ? this.options.holdSlots(wanted) : 0;
  }

  /** The nodes complete-nodes started past the freed slots run in the held ones; the rest are released. */
  private runHeld(nodes: readonly StartedNode[], held: number): void {
    if (held > 0 || nodes.length > 0) this.options.runHeld?.(nodes, held);
  }

  /** One call: the completions of some runs of one shard, each run's in the order they came. */
  private async send(runs: readonly (readonly [string, readonly Pending[]])[]): Promise<void> {
    const all = runs.flatMap(([, list]) => list);
    let wanting = 0;
    for (const pending of all) if (pending.wantsNext) wanting++;
    // A batch gathers completions of a busy worker: no slots are held past the freed ones (see
    // holdExtra); dependants beyond them go through the queues, claimed in bulk with other work.
    try {
      const options = this.options;
      const fill = wanting > 0 ? this.fill(wanting) : null;
      // One completion alone may be a chain's hop: completeMany tries complete-step first.
      const [only] = runs;
      const outcome =
        runs.length === 1 && only && only[1].length === 1
          ? await this.nodes.completeMany(only[0], only[1], fill).then((one) => ({ ...one, runs: [{ finish: one.finish, outcomes: one.outcomes }] }))
          : await this.nodes.completeRuns(
              runs.map(([runId, list]) => ({ runId, completions: list })),
              fill,
            );
      // Started nodes go to the slots that asked for work, in order (any run's node runs in any
      // slot); claimed messages of other runs take over the slots left (the worker starts them,
      // and those slots end here).
      let nextIndex = 0;
      runs.forEach(([runId, list], runIndex) => {
        const runOutcome = outcome.runs[runIndex];
        const finish = runOutcome?.finish ?? null;
        if (finish !== null) options.onRunFinished(runId, finish);
        let finishTold = false;
        list.forEach((pending, index) => {
          const next = pending.wantsNext ? (outcome.started[nextIndex++] ?? null) : null;
          const kind = runOutcome?.outcomes[index] ?? 'stale';
          const runFinished = finish !== null && kind === 'completed' && !finishTold;
          if (runFinished) finishTold = true;
          pending.resolve({ kind, runFinished, next });
        });
      });
      if (outcome.claimed.length > 0) options.onClaimed(outcome.claimed);
    } catch (error) {
      for (const pending of all) pending.reject(error);
    }
  }
}
