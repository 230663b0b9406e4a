/**
 * The chaos suite's app: deterministic tasks (a run's result depends only on its canvas, however
 * often or wherever its nodes ran), so every run's expected result is known up front. Worker
 * processes log every handler execution to their own file (appendFileSync: a line written
 * before a SIGKILL survives it); the checks count duplicates from those lines.
 */
import { appendFileSync } from 'node:fs';
import { type App, createApp, group, NonRetryableError, replace, type TaskFailure, taskContext } from '../../src/index.js';

/** One line of a worker's log. */
export type ChaosLogLine =
  | { readonly kind: 'start'; readonly run: string; readonly node: string; readonly attempt: number; readonly pid: number; readonly at: number }
  | {
      readonly kind: 'end';
      readonly run: string;
      readonly node: string;
      readonly attempt: number;
      readonly outcome: string;
      readonly pid: number;
      readonly at: number;
    }
  | { readonly kind: 'repaired'; readonly nodes: readonly { readonly runId: string; readonly nodeId: string }[]; readonly pid: number; readonly at: number };

export interface ChaosAppOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly visibilityTimeoutMs: number;
  /** Where handler executions are logged; none in the submitting process. */
  readonly logFile?: string;
  /** Retention of finished runs (short, so the suite can check that nothing is left). */
  readonly retentionMs: number;
}

export function chaosApp(options: ChaosAppOptions) {
  const app: App = createApp({
    redis: options.redisUrl,
    prefix: options.prefix,
    visibilityTimeoutMs: options.visibilityTimeoutMs,
    retention: { succeededMs: options.retentionMs, failedMs: options.retentionMs, cancelledMs: options.retentionMs },
    tracing: { enabled: false },
  });
  const { logFile } = options;
  const logged = <A extends unknown[], R>(body: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (logFile) {
        const { runId, nodeId, attempt } = taskContext();
        const line: ChaosLogLine = { kind: 'start', run: runId, node: nodeId, attempt, pid: process.pid, at: Date.now() };
        appendFileSync(logFile, `${JSON.stringify(line)}\n`);
      }
      return body(...args);
    };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const inc = app.task({ name: 'inc' }, logged(async (value: number) => { await pause(1 + (value % 7)); return value + 1; }));
  const tasks = {
    seed: app.task({ name: 'seed' }, logged(async (value: number) => value)),
    inc,
    sum: app.task({ name: 'sum' }, logged(async (values: readonly number[]) => values.reduce((total, value) => total + value, 0))),
    /** Work long enough that kills and stalls catch attempts in flight. */
    slow: app.task({ name: 'slow' }, logged(async (value: number, ms: number) => { await pause(ms); return value; })),
    /** Fails its first `failures` attempts (retried by its policy), then doubles its input. */
    flaky: app.task(
      { name: 'flaky', retry: { attempts: 6, backoff: { type: 'fixed', delayMs: 20 } } },
      logged(async (value: number, failures: number) => {
        if (taskContext().attempt <= failures) throw new Error(`flaky: attempt ${taskContext().attempt} fails on purpose`);
        return value * 2;
      }),
    ),
    /** A when's predicate. */
    isEven: app.task({ name: 'isEven' }, logged(async (value: number) => value % 2 === 0)),
    /** A dag join of two parents. */
    add: app.task({ name: 'add' }, logged(async (left: number, right: number) => left + right)),
    /** A list made at run time, for a map: count numbers from value. */
    list: app.task({ name: 'list' }, logged(async (value: number, count: number) => Array.from({ length: count }, (_, index) => value + index))),
    /** Replaced by a group of count incs from value. */
    spread: app.task(
      { name: 'spread' },
      logged(async (value: number, count: number) => replace(group(Array.from({ length: count }, (_, index) => inc.si(value + index))))),
    ),
    /** Always fails, without retries: its run must end failed. */
    boom: app.task({ name: 'boom' }, logged(async (value: number): Promise<number> => { throw new NonRetryableError(`boom at ${value}`); })),
    /** An error callback: what failed, as text. */
    failure: app.task({ name: 'failure' }, logged(async (failure: TaskFailure) => `${failure.task}: ${failure.error.message}`)),
  };
  return { app, tasks };
}

export type ChaosTasks = ReturnType<typeof chaosApp>['tasks'];
