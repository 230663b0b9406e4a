/**
 * The chaos suite's worker processes: spawned, SIGKILLed and respawned, stalled with SIGSTOP and
 * resumed, and stopped at the end. Each spawn logs to its own file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface WorkerSettings {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly concurrency: number;
  readonly visibilityTimeoutMs: number;
  readonly repairIntervalMs: number;
  readonly retentionMs: number;
  readonly logDir: string;
}

export class WorkerPool {
  private readonly slots: (ChildProcess | null)[];
  private spawned = 0;
  readonly logFiles: string[] = [];

  constructor(
    private readonly settings: WorkerSettings,
    size: number,
  ) {
    this.slots = Array.from({ length: size }, () => null);
  }

  get size(): number {
    return this.slots.length;
  }

  /** How many slots have a process that has not exited. */
  alive(): number {
    return this.slots.filter((child) => child && child.exitCode === null && child.signalCode === null).length;
  }

  /** Start every slot's process; resolves when all are consuming. */
  async startAll(): Promise<void> {
    await Promise.all(this.slots.map((_, index) => this.spawnInto(index, true)));
  }

  /** SIGKILL slot `index`'s process (mid-task, no goodbye) and start a new one in its place. */
  async killAndRespawn(index: number): Promise<void> {
    const child = this.slots[index];
    if (child) await signalAndWait(child, 'SIGKILL');
    // Not waited for: a respawn during a Redis outage becomes ready only when Redis is back.
    void this.spawnInto(index, false);
  }

  /** Freeze slot `index`'s process (SIGSTOP) for `ms`, then let it go on (SIGCONT). */
  async stall(index: number, ms: number): Promise<void> {
    const child = this.slots[index];
    if (!child || child.exitCode !== null) return;
    child.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, ms));
    child.kill('SIGCONT');
  }

  /** Graceful stop of every process (SIGTERM), SIGKILL after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all(
      this.slots.map(async (child) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGCONT');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await signalAndWait(child, 'SIGTERM');
        clearTimeout(timer);
      }),
    );
  }

  private spawnInto(index: number, waitReady: boolean): Promise<void> {
    const logFile = join(this.settings.logDir, `worker-${++this.spawned}.log`);
    this.logFiles.push(logFile);
    const { settings } = this;
    const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
      env: {
        ...process.env,
        CHAOS_LOG: logFile,
        CHAOS_REDIS_URL: settings.redisUrl,
        CHAOS_PREFIX: settings.prefix,
        CHAOS_CONCURRENCY: String(settings.concurrency),
        CHAOS_VISIBILITY_MS: String(settings.visibilityTimeoutMs),
        CHAOS_REPAIR_MS: String(settings.repairIntervalMs),
        CHAOS_RETENTION_MS: String(settings.retentionMs),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.slots[index] = child;
    if (!waitReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`chaos worker exited before it was ready (${code ?? signal})`)));
    });
  }
}

function signalAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
