import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../store/redis-client.js';
import type { KeySpace } from '../store/keys.js';
import { type RepairReport, repairRuns } from '../store/repair.js';
import type { RunStore } from '../store/run-store.js';

/** How often a worker drops the index entries of expired runs. */
const PRUNE_INTERVAL_MS = 60_000;

export interface HousekeepingOptions {
  /** How often the repair sweep runs, across all workers of the app (0: never). */
  readonly repairIntervalMs: number;
  /** A sweep that repaired something (for logs and metrics). */
  readonly onRepaired: (report: RepairReport) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * A worker's periodic chores: pruning expired runs from the indexes, and the repair sweep
 * (store/repair.ts). Every worker keeps the timer, but a sweep runs only where the app-wide lock
 * is taken, so all the workers of an app together sweep about once per interval, and a sweep
 * goes on with whichever workers survive. The lock lasts one interval; it is not released after
 * the sweep, which is what spaces sweeps out.
 */
export class Housekeeping {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly token = randomUUID();
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly runs: RunStore,
    private readonly options: HousekeepingOptions,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.runs.prune().catch((error: unknown) => this.options.onError(error)), PRUNE_INTERVAL_MS));
    const interval = this.options.repairIntervalMs;
    if (interval > 0) this.timers.push(setInterval(() => void this.sweepIfMine(), interval));
  }

  /** Stop the timers, and wait for a sweep in progress. */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await this.sweeping;
  }

  private sweepIfMine(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const taken = await this.redis.set(this.keys.repairLock, this.token, 'PX', this.options.repairIntervalMs, 'NX');
        if (taken !== 'OK') return;
        const report = await repairRuns(this.redis, this.keys);
        if (report.repaired.length > 0) this.options.onRepaired(report);
      } catch (error) {
        this.options.onError(error);
      } finally {
        this.sweeping = null;
      }
    })();
    return this.sweeping;
  }
}
