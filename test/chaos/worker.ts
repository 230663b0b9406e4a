/**
 * One chaos worker process: runs the chaos app's tasks until SIGTERM (or until the suite kills
 * it), logging every handler start (tasks.ts) and every attempt's outcome to its log file.
 * Settings come from the environment (CHAOS_*), set by the suite.
 */
import { appendFileSync } from 'node:fs';
import { chaosApp, type ChaosLogLine } from './tasks.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`chaos worker: ${name} is not set`);
  return value;
};
const logFile = env('CHAOS_LOG');
const { app } = chaosApp({
  redisUrl: env('CHAOS_REDIS_URL'),
  prefix: env('CHAOS_PREFIX'),
  visibilityTimeoutMs: Number(env('CHAOS_VISIBILITY_MS')),
  retentionMs: Number(env('CHAOS_RETENTION_MS')),
  logFile,
});
const worker = app.worker({
  concurrency: Number(env('CHAOS_CONCURRENCY')),
  repairIntervalMs: Number(env('CHAOS_REPAIR_MS')),
  // Redis restarts and dropped connections are expected here: the suite reads what matters from the logs.
  onError: () => undefined,
  onEvent: (event) => {
    if (event.type === 'attempt') {
      const line: ChaosLogLine = {
        kind: 'end',
        run: event.runId,
        node: event.nodeId,
        attempt: event.attempt,
        outcome: event.outcome,
        pid: process.pid,
        at: Date.now(),
      };
      appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    } else {
      const line: ChaosLogLine = { kind: 'repaired', nodes: event.report.repaired, pid: process.pid, at: Date.now() };
      appendFileSync(logFile, `${JSON.stringify(line)}\n`);
    }
  },
});
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
await worker.start();
process.send?.('ready');
