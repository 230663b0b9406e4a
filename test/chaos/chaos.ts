/**
 * `npm run chaos`: runs of mixed shapes through crashes, and proof that nothing was lost.
 *
 * Starts its own redis-server with AOF (appendfsync always) on a free port, several worker
 * processes, and submits a few hundred runs (chains, wide chords, nested chords, retries,
 * countdowns, runs that must fail) while injecting faults (faults.ts): SIGKILLed and respawned
 * workers, Redis killed and restarted, a worker stalled past its lease, dropped connections and
 * messages deleted by hand. Then it checks, and prints:
 * - every run reached the right terminal state with the right result;
 * - no node's result was recorded by two attempts; duplicate handler executions (at-least-once)
 *   within what the faults explain;
 * - no orphans: the messages deleted by hand were re-enqueued by the workers' repair sweeps, and
 *   a last sweep finds nothing;
 * - after retention nothing of the runs is left in Redis, and its memory is back to baseline
 *   (less the expired runs' tombstones, kept for a week to tell "expired" from "unknown").
 * Exits 1 if any check fails. The JSON report goes to .chaos-out/report.json.
 *
 *   npm run chaos                                   the full suite (about 2 minutes)
 *   npm run chaos -- --runs 60 --duration 15000     shorter (CI runs test/integration/chaos.test.ts)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { RunExistsError } from '../../src/index.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { duplicateBound, executionFigures, median, readLogs } from './checks.js';
import { type FaultRecord, injectFaults } from './faults.js';
import { WorkerPool } from './processes.js';
import { planRuns } from './shapes.js';
import { chaosApp } from './tasks.js';

export interface ChaosOptions {
  readonly runs: number;
  readonly workers: number;
  readonly concurrency: number;
  /** How long faults are injected (runs keep being submitted through the first 90%). */
  readonly durationMs: number;
  /** Mean pause between two faults. */
  readonly faultEveryMs: number;
  readonly seed: number;
  readonly visibilityTimeoutMs: number;
  readonly repairIntervalMs: number;
  readonly retentionMs: number;
  readonly maxWidth: number;
  readonly maxChain: number;
  /** Progress lines on stderr. */
  readonly log: (line: string) => void;
}

export const FULL_CHAOS: Omit<ChaosOptions, 'log'> = {
  runs: 300,
  workers: 4,
  concurrency: 8,
  durationMs: 60_000,
  faultEveryMs: 2_500,
  seed: 1,
  visibilityTimeoutMs: 2_000,
  repairIntervalMs: 2_000,
  retentionMs: 10_000,
  maxWidth: 200,
  maxChain: 25,
};

export interface ChaosCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ChaosReport {
  readonly options: Omit<ChaosOptions, 'log'>;
  readonly ok: boolean;
  readonly checks: readonly ChaosCheck[];
  readonly figures: Record<string, number | string>;
  readonly faults: readonly FaultRecord[];
}

const PREFIX = 'chaos';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const logDir = mkdtempSync(join(tmpdir(), 'celeriac-chaos-'));
  const server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
  const admin = new Redis(server.url, { maxRetriesPerRequest: null });
  admin.on('error', () => undefined);
  const { app, tasks } = chaosApp({ redisUrl: server.url, prefix: PREFIX, visibilityTimeoutMs: options.visibilityTimeoutMs, retentionMs: options.retentionMs });
  const pool = new WorkerPool(
    { redisUrl: server.url, prefix: PREFIX, concurrency: options.concurrency, visibilityTimeoutMs: options.visibilityTimeoutMs, repairIntervalMs: options.repairIntervalMs, retentionMs: options.retentionMs, logDir },
    options.workers,
  );
  try {
    const [, appendonly] = (await admin.config('GET', 'appendonly')) as [string, string];
    if (appendonly !== 'yes') throw new Error('the chaos redis-server did not start with AOF');
    await pool.startAll();
    // Warm up every script (and a repair sweep), so that the memory baseline holds them.
    const warm = await app.submit(chain0(tasks));
    await warm.result({ timeoutMs: 30_000 });
    await app.repair();
    await pause(options.retentionMs + 500);
    await app.listRuns(); // prunes the warm-up run's index entries
    const baseline = await usedMemory(admin);
    const tombstonesKey = app.keys.shards[0]!.runIndexes.expired;
    const baselineKeys = await prefixBytes(admin, tombstonesKey);
    const tombstonesBefore = await admin.zcard(app.keys.shards[0]!.runIndexes.expired);
    log(`redis ${server.url} (AOF, appendfsync always), ${options.workers} workers x ${options.concurrency}; baseline ${baseline} B, the app's keys ${baselineKeys} B`);

    const planned = planRuns(tasks, options.runs, options.seed, { maxWidth: options.maxWidth, maxChain: options.maxChain });
    const ids = planned.map(() => ulid());
    const started = Date.now();
    const faulting = injectFaults(
      server,
      pool,
      { seed: options.seed, prefix: PREFIX, visibilityTimeoutMs: options.visibilityTimeoutMs, everyMs: options.faultEveryMs, readyKey: app.keys.shards[0]!.queue('default').ready, delayedKey: app.keys.shards[0]!.queue('default').delayed },
      () => Date.now() - started > options.durationMs,
    );
    // Outcomes are read as runs finish, from the first submit on: retention is short here.
    const submitted: string[] = [];
    const settling = waitForAll(app, submitted, ids.length, options.durationMs + 180_000).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\n${await diagnose(app, admin, ids, pool)}`, { cause: error });
    });
    // Submit through the first 90% of the faults, retrying each with its own id through outages.
    for (const [index, run] of planned.entries()) {
      await submitOnce(app, run.canvas, ids[index]!);
      submitted.push(ids[index]!);
      await pause((options.durationMs * 0.9) / planned.length);
    }
    log(`submitted ${planned.length} runs`);
    const faults = await faulting;
    log(`faults done: ${faults.map((fault) => fault.kind).join(', ')}`);
    const { at: settledAt, outcomes } = await settling;
    const elapsedMs = settledAt - started;

    const checks: ChaosCheck[] = [];
    // 1. Terminal states and results.
    const wrong: string[] = [];
    for (const [index, run] of planned.entries()) {
      const outcome = outcomes.get(ids[index]!)!;
      if (outcome.status !== run.status) wrong.push(`${run.shape} ${ids[index]}: ${outcome.status}, expected ${run.status}`);
      else if (run.status === 'succeeded' && JSON.stringify(outcome.result) !== JSON.stringify(run.result)) {
        wrong.push(`${run.shape} ${ids[index]}: ${JSON.stringify(outcome.result)}, expected ${JSON.stringify(run.result)}`);
      } else if (run.callback !== undefined && (outcome.last?.status !== 'succeeded' || outcome.last.result !== run.callback)) {
        wrong.push(`${run.shape} ${ids[index]}: its callback ended ${JSON.stringify(outcome.last)}, expected ${JSON.stringify(run.callback)}`);
      }
    }
    checks.push({ name: 'every run reached the right terminal state with the right result', ok: wrong.length === 0, detail: wrong.length ? wrong.slice(0, 5).join('; ') : `${planned.length} runs` });

    // 2. Executions, from the worker logs.
    await pool.stopAll(10_000);
    const figures = executionFigures(readLogs(pool.logFiles), faults);
    checks.push({ name: 'no node completed twice', ok: figures.completedTwice.length === 0, detail: figures.completedTwice.slice(0, 5).join(', ') || 'none' });
    const bound = duplicateBound(faults, options.workers, options.concurrency);
    checks.push({ name: 'duplicate executions within what the faults explain', ok: figures.duplicates <= bound, detail: `${figures.duplicates} duplicates, at most ${bound} explained` });

    // 3. Orphans: every message deleted by hand was repaired by a sweep, and none is left.
    const lost = faults.filter((fault) => fault.kind === 'lose-message' && fault.message).map((fault) => fault.message!.split('|').slice(0, 2).join('/'));
    const unrepaired = lost.filter((key) => !figures.repairedBySweeps.includes(key));
    const lastSweep = await app.repair();
    checks.push({
      name: 'no orphans: lost messages re-enqueued by the repair sweep, none left',
      ok: unrepaired.length === 0 && lastSweep.repaired.length === 0,
      detail: `${lost.length} deleted by hand, ${figures.repairedBySweeps.length} repaired by sweeps, ${lastSweep.repaired.length} found by a last sweep${unrepaired.length ? `; not repaired: ${unrepaired.join(', ')}` : ''}`,
    });

    // 4. Retention: nothing of the runs left, memory back to baseline.
    await pause(options.retentionMs + 1_000);
    await app.listRuns();
    const left = (await admin.keys(`{${PREFIX}}:*`)).sort();
    const runKeys = left.filter((key) => key.includes(':run:') || /:queue:[^:]+:(ready|delayed|leases)$/.test(key));
    checks.push({ name: 'no keys left after retention', ok: runKeys.length === 0, detail: runKeys.length ? runKeys.slice(0, 5).join(', ') : `left: ${left.join(', ')}` });
    // The app's keys, byte for byte (MEMORY USAGE): used_memory also moves with client buffers
    // and allocator state, and restarts reset it, so it is reported but not checked.
    const after = await usedMemory(admin);
    const afterKeys = await prefixBytes(admin, tombstonesKey);
    const tombstones = (await admin.zcard(tombstonesKey)) - tombstonesBefore;
    const tombstoneBytes = Number(await admin.memory('USAGE', tombstonesKey, 'SAMPLES', 0)) || 0;
    const deadLetters = await app.deadLetters({ limit: 0 });
    // Kept on purpose, and not counted: a tombstone per expired run (its id and expiry time, for
    // a week, to tell an expired run from an unknown one), the dead letters, and the event stream
    // (capped by its length, not by runs: docs/events.md).
    const deadLetterBytes = await prefixBytes(admin, tombstonesKey, 'dead-letters');
    const eventBytes = Number(await admin.memory('USAGE', `{${PREFIX}}:events`, 'SAMPLES', 0)) || 0;
    const kept = deadLetterBytes + eventBytes;
    checks.push({
      name: "Redis memory back to baseline: the app's keys, less the tombstones, dead letters and event stream, as before the runs",
      // 256 B of slack: a counter past 10,000 is no longer one of Redis's shared integers.
      ok: afterKeys - kept <= baselineKeys + 256,
      detail: `${baselineKeys} -> ${afterKeys - kept} B; tombstones of ${tombstones} expired runs ${tombstoneBytes} B; event stream ${eventBytes} B; used_memory ${baseline} -> ${after} B`,
    });

    const restarts = faults.filter((fault) => fault.kind === 'restart-redis');
    const count = (kind: string) => faults.filter((fault) => fault.kind === kind).length;
    return {
      options: withoutLog(options),
      ok: checks.every((check) => check.ok),
      checks,
      faults,
      figures: {
        runs: planned.length,
        'runs succeeded': planned.filter((run) => run.status === 'succeeded').length,
        'runs failed (on purpose)': planned.filter((run) => run.status === 'failed').length,
        'seconds until every run had finished': Math.round(elapsedMs / 100) / 10,
        'worker SIGKILLs': count('kill-worker'),
        'worker stalls past the lease': count('stall-worker'),
        'Redis kills and restarts': restarts.length,
        'connection drops': count('drop-connections'),
        'messages deleted by hand': lost.length,
        'handler executions': figures.executions,
        'duplicate executions': figures.duplicates,
        'late completions fenced off': figures.fencedLate,
        'attempts that lost their lease': figures.leaseLost,
        'orphans repaired by sweeps': figures.repairedBySweeps.length,
        'dead letters': Object.entries(deadLetters.counts).map(([reason, total]) => `${reason} ${total}`).join(', ') || 'none',
        // "-": no work was left to do after that restart.
        'ms from each Redis restart to the next completion': figures.recoveryMs.map((ms) => (Number.isFinite(ms) ? String(ms) : '-')).join(', ') || 'no restart',
        'median of those': median(figures.recoveryMs),
      },
    };
  } finally {
    await pool.stopAll(5_000);
    await app.close();
    admin.disconnect();
    await server.stop();
    if (process.env.CHAOS_KEEP === '1') log(`worker logs kept in ${logDir}`);
    else rmSync(logDir, { recursive: true, force: true });
  }
}

function chain0(tasks: ReturnType<typeof chaosApp>['tasks']) {
  return tasks.inc.si(0);
}

function withoutLog(options: ChaosOptions): Omit<ChaosOptions, 'log'> {
  const { log: _log, ...rest } = options;
  return rest;
}

/**
 * Bytes of the keys under the chaos prefix, by MEMORY USAGE (exact: every element sampled),
 * leaving out `except`; with `only`, just the keys whose name contains it.
 */
async function prefixBytes(admin: Redis, except: string, only?: string): Promise<number> {
  let total = 0;
  for (const key of await admin.keys(`{${PREFIX}}:*`)) {
    if (key === except || (only !== undefined && !key.includes(only))) continue;
    total += Number(await admin.memory('USAGE', key, 'SAMPLES', 0)) || 0;
  }
  return total;
}

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
}

/** Submit with a fixed id until it is known to be stored: a retry after an outage may find it there. */
async function submitOnce(app: ReturnType<typeof chaosApp>['app'], canvas: Parameters<ReturnType<typeof chaosApp>['app']['submit']>[0], id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await app.submit(canvas, { id });
      return;
    } catch (error) {
      if (error instanceof RunExistsError) return;
      if (attempt >= 100) throw error;
      await pause(200);
    }
  }
}

interface Outcome {
  readonly status: string;
  readonly result?: unknown;
  /** A failed run's last node, once none of its nodes is left to run (an error callback runs after the run failed). */
  readonly last?: { readonly status: string; readonly result?: unknown };
}

const ACTIVE = ['pending', 'queued', 'delayed', 'running'] as const;

/**
 * Poll until all `expected` runs have been submitted (`ids` grows as they are) and have finished,
 * reading each one's status and result as soon as it has (retention is short here, so a run may
 * expire soon after). Throws naming the runs still open.
 */
async function waitForAll(
  app: ReturnType<typeof chaosApp>['app'],
  ids: readonly string[],
  expected: number,
  timeoutMs: number,
): Promise<{ at: number; outcomes: Map<string, Outcome> }> {
  const outcomes = new Map<string, Outcome>();
  const deadline = Date.now() + timeoutMs;
  while (outcomes.size < expected) {
    for (const id of ids) {
      if (outcomes.has(id)) continue;
      try {
        const run = app.getRun(id);
        const { status, counts } = await run.progress();
        if (status === 'succeeded') outcomes.set(id, { status, result: await run.result({ timeoutMs: 5_000 }) });
        else if (status !== 'running' && ACTIVE.every((active) => (counts[active] ?? 0) === 0)) {
          const last = (await run.inspect({ results: true })).nodes.at(-1)!;
          outcomes.set(id, { status, last: { status: last.status, ...(last.result !== undefined ? { result: last.result } : {}) } });
        }
      } catch {
        // Redis restarting: ask again
      }
    }
    if (outcomes.size === expected) break;
    if (Date.now() > deadline) {
      const open = ids.filter((id) => !outcomes.has(id));
      throw new Error(`runs still open after ${timeoutMs} ms: ${open.slice(0, 10).join(', ')}`);
    }
    await pause(100);
  }
  return { at: Date.now(), outcomes };
}

/** What stuck runs look like: their node counts by state, and the queue sets. */
async function diagnose(app: ReturnType<typeof chaosApp>['app'], admin: Redis, ids: readonly string[], pool: WorkerPool): Promise<string> {
  const lines: string[] = [];
  for (const id of ids) {
    const progress = await app.getRun(id).progress().catch(() => null);
    if (!progress || progress.status !== 'running') continue;
    const counts = Object.entries(progress.counts).filter(([, count]) => count > 0).map(([status, count]) => `${status} ${count}`);
    lines.push(`run ${id}: ${counts.join(', ')}`);
    if (lines.length >= 5) break;
  }
  const queue = app.keys.shards[0]!.queue('default');
  lines.push(`queue default: ready ${await admin.zcard(queue.ready)}, delayed ${await admin.zcard(queue.delayed)}, leases ${await admin.zcard(queue.leases)}`);
  lines.push(`workers alive: ${pool.alive()} of ${pool.size}; clients: ${String(await admin.client('LIST')).split('\n').filter((line) => line.includes('name=celeriac')).length}`);
  return lines.join('\n');
}

export function printReport(report: ChaosReport, write: (line: string) => void): void {
  write(`chaos: ${report.ok ? 'PASS' : 'FAIL'} (seed ${report.options.seed})`);
  for (const check of report.checks) write(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  write('figures:');
  for (const [name, value] of Object.entries(report.figures)) write(`  ${name}: ${value}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { Command } = await import('commander');
  const program = new Command()
    .option('--runs <n>', 'runs to submit', Number, FULL_CHAOS.runs)
    .option('--workers <n>', 'worker processes', Number, FULL_CHAOS.workers)
    .option('--concurrency <n>', 'attempts per worker', Number, FULL_CHAOS.concurrency)
    .option('--duration <ms>', 'how long faults are injected', Number, FULL_CHAOS.durationMs)
    .option('--fault-every <ms>', 'mean pause between faults', Number, FULL_CHAOS.faultEveryMs)
    .option('--seed <n>', 'seed of the runs and faults', Number, FULL_CHAOS.seed)
    .option('--max-width <n>', 'widest chord', Number, FULL_CHAOS.maxWidth)
    .parse();
  const flags = program.opts<{ runs: number; workers: number; concurrency: number; duration: number; faultEvery: number; seed: number; maxWidth: number }>();
  const report = await runChaos({
    ...FULL_CHAOS,
    runs: flags.runs,
    workers: flags.workers,
    concurrency: flags.concurrency,
    durationMs: flags.duration,
    faultEveryMs: flags.faultEvery,
    seed: flags.seed,
    maxWidth: flags.maxWidth,
    log: (line) => process.stderr.write(`chaos: ${line}\n`),
  });
  printReport(report, (line) => process.stdout.write(`${line}\n`));
  mkdirSync('.chaos-out', { recursive: true });
  writeFileSync('.chaos-out/report.json', JSON.stringify(report, null, 2));
  process.exitCode = report.ok ? 0 : 1;
}
