import type { Schedules } from './schedules.js';

/** The longest a scheduler sleeps: a schedule upserted meanwhile waits at most this long to be seen. */
const MAX_SLEEP_MS = 1000;
/** The shortest: a schedule due now, or a pass that failed, waits this long before the next pass. */
const MIN_SLEEP_MS = 10;

/**
 * A scheduler: passes of `schedules.fireDue()` until stopped, sleeping until the next schedule
 * is due (at most MAX_SLEEP_MS). Any number may run against one app: each tick is claimed once
 * (claim-tick.lua) and starts one run (tick-run-id.ts). Errors go to `onError`, and the loop goes on.
 */
export class SchedulerLoop {
  private timer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly schedules: Schedules,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stop, and wait for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.passing;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.passing = this.pass().finally(() => (this.passing = null));
    }, delayMs);
  }

  private async pass(): Promise<void> {
    let sleep = MAX_SLEEP_MS;
    try {
      const { nextDueAt } = await this.schedules.fireDue();
      if (nextDueAt !== null) sleep = Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, nextDueAt - Date.now()));
    } catch (error) {
      this.onError(error);
    }
    this.schedule(sleep);
  }
}
