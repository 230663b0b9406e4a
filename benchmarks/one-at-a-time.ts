/**
 * Where a run submitted and waited for one at a time spends its time (issue 18's everyday path):
 * each run's phases, from timestamps taken in this process (submitter and worker share it, as in
 * `npm run bench`), the time inside Redis per command (SLOWLOG, every command recorded, scripts by
 * name, the commands they call included), and then, in a second pass of COUNTED runs watched with
 * MONITOR (which slows Redis, so it is not timed), the commands the clients send per run: each is
 * a round trip, or part of one when pipelined.
 *
 *   npm run bench:one                    one task, 300 runs after 30 unmeasured
 *   SHAPE=small npm run bench:one        chain(a, group(b, c), d)
 *   RUNS=1000 npm run bench:one
 *   WORKER=apart npm run bench:one       the worker in a second app (no eager start, no local finish)
 *
 * Phases of a run: submit (app.submit until it resolves), pickup (until the first handler
 * starts), work (until the last handler returns; the handlers themselves do nothing), wake-up
 * (until result() resolves), and the whole.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { chain, createApp, group } from '../src/index.js';
import { scripts } from '../test/helpers/all-scripts.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const shape = process.env.SHAPE === 'small' ? 'small' : 'task';
const runs = Number(process.env.RUNS ?? 300);
const counted = Number(process.env.COUNTED ?? 100);
const warmUps = Math.ceil(runs / 10);

const server = await startRedisServer();
const admin = new Redis(server.url);
const app = createApp({ redis: server.url, prefix: `one-${randomUUID()}`, tracing: { enabled: false } });
let firstStart = 0;
let lastEnd = 0;
const noop = app.task({ name: 'noop' }, async (value: number) => {
  if (firstStart === 0) firstStart = performance.now();
  lastEnd = performance.now();
  return value;
});
const sum = app.task({ name: 'sum' }, async (values: number[]) => {
  lastEnd = performance.now();
  return values.reduce((a, b) => a + b, 0);
});
// WORKER=apart: the worker belongs to a second app (as if in another process), so that the
// submit cannot start the root for it (eager start) and its completions do not reach this app's
// waiters directly: the path of a submitter with its workers elsewhere.
const apart = process.env.WORKER === 'apart';
const workerApp = apart ? createApp({ redis: server.url, prefix: app.config.prefix, tracing: { enabled: false } }) : app;
if (apart) {
  workerApp.task({ name: 'noop' }, async (value: number) => {
    if (firstStart === 0) firstStart = performance.now();
    lastEnd = performance.now();
    return value;
  });
  workerApp.task({ name: 'sum' }, async (values: number[]) => {
    lastEnd = performance.now();
    return values.reduce((a, b) => a + b, 0);
  });
}
const worker = workerApp.worker({ concurrency: 50 });
await worker.start();

const phases = { submit: [] as number[], pickup: [] as number[], work: [] as number[], 'wake-up': [] as number[], whole: [] as number[] };
for (let index = -warmUps; index < runs; index++) {
  if (index === 0) {
    await admin.config('SET', 'slowlog-log-slower-than', '0');
    await admin.config('SET', 'slowlog-max-len', '1000000');
    await admin.slowlog('RESET');
  }
  firstStart = 0;
  const started = performance.now();
  const run = await app.submit(shape === 'task' ? noop.si(index) : chain(noop.si(index), group(noop.s(), noop.s()), sum.s()));
  const submitted = performance.now();
  await run.result({ timeoutMs: 60_000 });
  const finished = performance.now();
  if (index < 0) continue;
  phases.submit.push(submitted - started);
  // A worker can start the first handler before submit() has resolved (its reply still on the way).
  phases.pickup.push(firstStart - submitted);
  phases.work.push(lastEnd - firstStart);
  phases['wake-up'].push(finished - lastEnd);
  phases.whole.push(finished - started);
}
await admin.config('SET', 'slowlog-log-slower-than', '-1');
const entries = (await admin.slowlog('GET', -1)) as [number, number, number, string[]][];

const names = new Map(Object.values(scripts).map((script) => [script.sha, script.name]));
const sent = new Map<string, number>();
let inScripts = 0;
const monitor = await admin.monitor();
monitor.on('monitor', (_time: string, args: string[], source: string) => {
  if (source === 'lua') {
    inScripts++;
    return;
  }
  const command = String(args[0]).toLowerCase();
  const name = command === 'evalsha' ? (names.get(String(args[1])) ?? 'evalsha ?') : command;
  sent.set(name, (sent.get(name) ?? 0) + 1);
});
// The monitor's own start reaches it first: count from a clean slate once it is live.
await new Promise((resolve) => setTimeout(resolve, 100));
sent.clear();
inScripts = 0;
for (let index = 0; index < counted; index++) {
  await (await app.submit(shape === 'task' ? noop.si(index) : chain(noop.si(index), group(noop.s(), noop.s()), sum.s()))).result({ timeoutMs: 60_000 });
}
await new Promise((resolve) => setTimeout(resolve, 100));
monitor.disconnect();
if (apart) await workerApp.close();
await app.close();
await admin.quit();
await server.stop();

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
console.log(`${shape === 'task' ? 'one task' : 'chain(a, group(b, c), d)'}, one at a time: ${runs} runs after ${warmUps} unmeasured${apart ? ', the worker in another app' : ''}`);
console.table(
  Object.entries(phases).map(([phase, values]) => ({
    phase,
    'p50 ms': Number(percentile(values, 50).toFixed(3)),
    'p99 ms': Number(percentile(values, 99).toFixed(3)),
  })),
);
const counts = new Map<string, { calls: number; micros: number }>();
for (const [, , micros, args] of entries) {
  const command = String(args[0]).toLowerCase();
  const name = command === 'evalsha' ? (names.get(String(args[1])) ?? 'evalsha ?') : command;
  if (name === 'slowlog' || name === 'config') continue;
  const count = counts.get(name) ?? { calls: 0, micros: 0 };
  count.calls++;
  count.micros += micros;
  counts.set(name, count);
}
console.log(`Commands the clients sent per run (MONITOR, ${counted} runs; ${(inScripts / counted).toFixed(1)} more per run inside scripts):`);
console.table(
  [...sent]
    .filter(([command]) => command !== 'monitor')
    .sort((a, b) => b[1] - a[1])
    .map(([command, calls]) => ({ command, 'per run': Number((calls / counted).toFixed(2)) })),
);
console.log('Time inside Redis per run (SLOWLOG; a script counts whole, and the commands it calls again):');
console.table(
  [...counts]
    .sort((a, b) => b[1].calls - a[1].calls)
    .map(([command, { calls, micros }]) => ({ command, 'per run': Number((calls / runs).toFixed(2)), 'µs per run': Number((micros / runs).toFixed(1)) })),
);
