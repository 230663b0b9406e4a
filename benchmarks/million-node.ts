/**
 * Million-node runs (issue 17): how long each operation on one very wide run blocks Redis.
 * Submits `chain(group(NODES × noop), sum)` to a private redis-server and measures, with SLOWLOG
 * (every command of 1 ms or more, with its duration), the largest single command of: submit,
 * the run itself, a rerun of the last node, the start of the chord body that rerun makes, inspect
 * and delete of that run; then, on a second run that never runs, inspect, cancel, resume and
 * delete. Also the memory the run holds in Redis per node after submit, and the cost per node
 * (submit, then run to the end) against a 1,000-node run. Medians and p99 are of the calls of
 * 1 ms or more: SLOWLOG's wall clock, so a busy machine shows as outliers in the largest.
 *
 *   npm run bench:million                   # NODES=200000
 *   NODES=1000000 npm run bench:million
 *
 * Env: NODES (default 200000), PORT (default 6393), CONCURRENCY (default 200). Prints a table
 * and writes .bench-out/million-node-<NODES>.json.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { type App, chain, createApp, group } from '../src/index.js';
import { scripts } from '../test/helpers/all-scripts.js';
import { median } from './stats.js';

const nodes = Number(process.env.NODES ?? 200_000);
const port = Number(process.env.PORT ?? 6393);
const concurrency = Number(process.env.CONCURRENCY ?? 200);
const url = `redis://127.0.0.1:${port}`;

const dir = mkdtempSync(join(tmpdir(), 'celeriac-million-'));
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
});
// Also when the benchmark fails: nothing else stops the server.
process.on('exit', () => server.kill('SIGKILL'));
const admin = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => (times > 100 ? null : 50) });
// Refused until the server listens: the client retries meanwhile.
admin.on('error', () => undefined);
await admin.ping();
// A server already on the port makes this one exit at once: measuring that one would mislead.
await new Promise((resolve) => setTimeout(resolve, 200));
if (server.exitCode !== null) throw new Error(`redis-server could not start on port ${port} (is one already running there?)`);
await admin.config('SET', 'latency-monitor-threshold', '20');
// Commands of 1 ms or more are logged with their duration. Not every command: the commands a
// script calls are logged too, and a sweep's thousands of ZREMs would push its calls out of the log.
await admin.config('SET', 'slowlog-log-slower-than', '1000');
await admin.config('SET', 'slowlog-max-len', '100000');

const scriptNames = new Map<string, string>(Object.values(scripts).map((script) => [script.sha, script.name]));

interface Largest {
  /** Duration of the slowest single command, ms. */
  readonly ms: number;
  /** That command: its name, or the script's for EVALSHA. */
  readonly command: string;
  /** How many calls of that command took 1 ms or more, and the median of their durations (ms). */
  readonly calls: number;
  readonly medianMs: number;
  readonly p99Ms: number;
}

type SlowEntry = [number, number, number, string[], ...unknown[]];

function commandOf(entry: SlowEntry): string {
  const [name = '?', sha = ''] = entry[3];
  return name.toLowerCase() === 'evalsha' ? (scriptNames.get(sha) ?? 'evalsha') : name.toLowerCase();
}

/** From SLOWLOG (every command, with its duration): the slowest, and how its command fared on the median. */
async function slowest(): Promise<Largest> {
  const entries = (await admin.call('SLOWLOG', 'GET', '-1')) as SlowEntry[];
  await admin.call('SLOWLOG', 'RESET');
  let top: SlowEntry | undefined;
  for (const entry of entries) if (entry[3][0]?.toLowerCase() !== 'slowlog' && (!top || entry[2] > top[2])) top = entry;
  if (!top) return { ms: 0, command: '-', calls: 0, medianMs: 0, p99Ms: 0 };
  const command = commandOf(top);
  const same = entries.filter((entry) => commandOf(entry) === command).map((entry) => entry[2] / 1000);
  same.sort((a, b) => a - b);
  return { ms: top[2] / 1000, command, calls: same.length, medianMs: median(same), p99Ms: same[Math.floor(same.length * 0.99)] ?? 0 };
}

async function usedMemory(): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

function tasksOf(app: App) {
  const noop = app.task({ name: 'noop' }, async (value: number) => value);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  return { noop, sum };
}

function wide({ noop, sum }: ReturnType<typeof tasksOf>, width: number) {
  return chain(group(Array.from({ length: width }, (_, i) => noop.si(i))), sum.s());
}

interface Row {
  readonly operation: string;
  readonly wallMs: number;
  readonly largest: Largest;
}
const rows: Row[] = [];
/** Each measured operation's span on the wall clock (s since the epoch), to place the latency monitor's events. */
const windows: { readonly operation: string; readonly from: number; readonly to: number }[] = [];
/** The slowest command outside the measured operations (worker start and close, the second run's submit). */
let between: Largest = { ms: 0, command: '-', calls: 0, medianMs: 0, p99Ms: 0 };
async function noteBetween(): Promise<void> {
  const found = await slowest();
  if (found.ms > between.ms) between = found;
}
async function measure<T>(operation: string, action: () => Promise<T>): Promise<T> {
  await noteBetween();
  const started = performance.now();
  const from = Date.now() / 1000;
  const value = await action();
  windows.push({ operation, from, to: Date.now() / 1000 });
  rows.push({ operation, wallMs: performance.now() - started, largest: await slowest() });
  return value;
}

/** Submit and run a `width`-wide chord to the end: ms from submit to result. */
async function baseline(width: number): Promise<number> {
  const app = createApp({ redis: url, prefix: `base-${width}` });
  const canvas = wide(tasksOf(app), width);
  const worker = app.worker({ concurrency });
  await worker.start();
  const started = performance.now();
  const run = await app.submit(canvas);
  await run.result({ timeoutMs: 600_000 });
  const ms = performance.now() - started;
  await run.delete();
  await app.close();
  return ms;
}

const oneK = await baseline(1000);

// The default limits refuse a canvas of over 250,000 nodes.
const app = createApp({ redis: url, prefix: 'million', maxCanvasNodes: nodes + 1, maxCanvasBytes: 1024 * 1024 * 1024 });
const expected = (nodes * (nodes - 1)) / 2;
const tasks = tasksOf(app);

// Run A: submitted with no worker (its memory then), run to the end, its last node rerun.
const memoryBefore = await usedMemory();
const run = await measure('submit', () => app.submit(wide(tasks, nodes)));
const bytesPerNode = ((await usedMemory()) - memoryBefore) / (nodes + 1);
const submitMs = rows[0]!.wallMs;
const worker = app.worker({ concurrency });
const value = await measure('run to the end (workers)', async () => {
  await worker.start();
  return run.result({ timeoutMs: 3_600_000 });
});
if (value !== expected) throw new Error(`sum is ${String(value)}, expected ${expected}`);
const runMs = rows[1]!.wallMs;
// No worker while the rerun resets the body, so that the body's start is measured apart.
await worker.close();
await measure('rerun of the last node', () => run.rerun({ from: String(nodes) }));
const bodyWorker = app.worker({ concurrency });
await measure('chord body start (sum after the rerun)', async () => {
  await bodyWorker.start();
  return run.result({ timeoutMs: 600_000 });
});
await bodyWorker.close();
await measure('inspect (succeeded)', () => run.inspect());
await measure('delete (succeeded)', () => run.delete());

// Run B, never run: cancelled while every node is queued, resumed, cancelled again and deleted.
const other = await app.submit(wide(tasks, nodes));
await measure('inspect (queued)', () => other.inspect());
await measure('cancel', () => other.cancel());
await measure('resume', () => other.resume());
await other.cancel();
await measure('delete (cancelled)', () => other.delete());
await app.close();
await noteBetween();
rows.push({ operation: 'between the operations above', wallMs: 0, largest: between });

const latency = (await admin.call('LATENCY', 'LATEST')) as [string, number, number, number][];
const table = rows.map((row) => ({
  operation: row.operation,
  'wall ms': Math.round(row.wallMs),
  'largest command ms': Number(row.largest.ms.toFixed(1)),
  'largest command': row.largest.command,
  'its calls ≥ 1 ms': row.largest.calls,
  'their median ms': Number(row.largest.medianMs.toFixed(2)),
  'their p99 ms': Number(row.largest.p99Ms.toFixed(1)),
}));
const perNodeUs = ((submitMs + runMs) * 1000) / (nodes + 1);
const perNode1kUs = (oneK * 1000) / 1001;
console.log(`celeriac million-node benchmark: chain(group(${nodes} × noop), sum), worker concurrency ${concurrency}, Redis on port ${port}`);
console.table(table);
console.log(`submit ${Math.round(submitMs)} ms; ${Math.round(bytesPerNode)} B/node in Redis after submit`);
console.log(`per node: ${perNodeUs.toFixed(1)} µs (submit, then run to the end) vs ${perNode1kUs.toFixed(1)} µs for 1,001 nodes (${(perNodeUs / perNode1kUs).toFixed(2)}x)`);
console.log('LATENCY LATEST (event, at, latest ms, max ms):', JSON.stringify(latency));
// Redis's per-command latency histograms (power-of-two buckets of µs, cumulative counts) see
// what SLOWLOG skips (EXEC's total, for one): the commands with a call of over 16 ms. This
// benchmark's own SLOWLOG GET and RESET of a long log are among them.
const histograms = (await admin.call('LATENCY', 'HISTOGRAM')) as (string | (string | number | number[])[])[];
for (let index = 0; index + 1 < histograms.length; index += 2) {
  const [, calls, , buckets] = histograms[index + 1] as [string, number, string, number[]];
  let slowest = 0;
  for (let at = 2; at < buckets.length; at += 2) if (buckets[at + 1]! > buckets[at - 1]!) slowest = buckets[at]!;
  if (slowest > 16_384) console.log(`${String(histograms[index])}: ${calls} calls, the slowest under ${(slowest / 1000).toFixed(1)} ms`);
}
// The latency monitor also sees what SLOWLOG skips (EXEC's total, for one): where each event fell.
const history = (await admin.call('LATENCY', 'HISTORY', 'command')) as [number, number][];
for (const [at, ms] of history) {
  const during = windows.find((window) => at >= Math.floor(window.from) && at <= Math.ceil(window.to));
  console.log(`latency event 'command' of ${ms} ms at ${at}: ${during ? `during ${during.operation}` : 'between the operations'}`);
}
mkdirSync('.bench-out', { recursive: true });
writeFileSync(
  `.bench-out/million-node-${nodes}.json`,
  JSON.stringify({ date: new Date().toISOString(), nodes, concurrency, bytesPerNode, perNodeUs, perNode1kUs, submitMs, runMs, rows, latency }, null, 2),
);
await admin.quit();
const exited = new Promise((resolve) => server.once('exit', resolve));
server.kill('SIGTERM');
await exited;
rmSync(dir, { recursive: true, force: true });
