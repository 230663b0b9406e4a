import { hostname } from 'node:os';
import type { RedisClient } from '../store/redis-client.js';
import type { KeySpace } from '../store/keys.js';
import { beatWorker, removeWorker } from '../store/workers.js';
import type { Execution } from './lease-heartbeat.js';
import type { ThroughputTally } from './throughput-tally.js';

export interface WorkerPresenceOptions {
  readonly connection: RedisClient;
  readonly keys: KeySpace;
  readonly id: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** The worker's slots: the attempts in flight are counted at each beat, not tracked per attempt. */
  readonly executions: ReadonlySet<Execution>;
  readonly intervalMs: number;
  /** The attempts finished since the last beat: each beat (and the removal) carries them. */
  readonly tally: ThroughputTally;
  readonly onError: (error: unknown) => void;
}

/**
 * Keeps the worker listed in the app's worker registry (`app.workers()`, `celeriac workers`): a
 * beat (worker-heartbeat.lua) at start and every `intervalMs`, and a removal at a graceful close.
 * A beat is skipped while the previous one is unanswered, so a Redis outage does not pile them up
 * on the persistent connection; a failed beat goes to onError and the next one tries again.
 */
export class WorkerPresence {
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<void> | null = null;

  constructor(private readonly options: WorkerPresenceOptions) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.options.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stop beating and leave the registry (sent after any beat in flight, on the same connection). */
  async remove(): Promise<void> {
    this.stop();
    // Counts of a beat still in flight that fails are put back: wait for it, so they go now.
    await this.pending;
    try {
      await removeWorker(this.options.connection, this.options.keys, this.options.id, this.options.tally.take());
    } catch (error) {
      this.options.onError(error);
    }
  }

  private beat(): void {
    if (this.pending) return;
    const { connection, keys, id, queues, concurrency, executions, intervalMs, tally, onError } = this.options;
    let inFlight = 0;
    for (const execution of executions) if (execution.node) inFlight++;
    const record = { host: hostname(), pid: process.pid, queues, concurrency, inFlight, intervalMs };
    const counts = tally.take();
    this.pending = beatWorker(connection, keys, id, record, counts)
      .catch((error: unknown) => {
        // Most often the beat never reached Redis (an outage): the next one carries its counts.
        tally.restore(counts);
        onError(error);
      })
      .finally(() => (this.pending = null));
  }
}
