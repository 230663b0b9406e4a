import type { ThroughputCounts } from '../store/throughput.js';

/**
 * The attempts a worker finished since its last registry beat, per queue: counted in memory
 * (a Map increment per attempt, nothing sent) and handed to the next beat, so throughput costs
 * the per-node path no Redis write. A worker killed loses what it counted since its last beat.
 */
export class ThroughputTally {
  private counts = new Map<string, { succeeded: number; failed: number }>();

  succeeded(queue: string): void {
    this.entry(queue).succeeded++;
  }

  failed(queue: string): void {
    this.entry(queue).failed++;
  }

  /** The counts so far, and a fresh start. */
  take(): ThroughputCounts {
    const taken = this.counts;
    this.counts = new Map();
    return taken;
  }

  /** Add back counts whose beat failed, for the next beat to carry. */
  restore(taken: ThroughputCounts): void {
    for (const [queue, { succeeded, failed }] of taken) {
      const entry = this.entry(queue);
      entry.succeeded += succeeded;
      entry.failed += failed;
    }
  }

  private entry(queue: string): { succeeded: number; failed: number } {
    let entry = this.counts.get(queue);
    if (!entry) {
      entry = { succeeded: 0, failed: 0 };
      this.counts.set(queue, entry);
    }
    return entry;
  }
}
