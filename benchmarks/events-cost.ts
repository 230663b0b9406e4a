/**
 * The event stream's cost on the 10,000-wide fan-out (the suite's scenario: `npm run bench` has
 * the same pair of rows), celeriac alone: events on and off alternate in every repetition, each
 * on a fresh app on an emptied private redis-server. Prints every repetition, then medians with
 * min-max and the ratio on/off, with Redis's own CPU per node (INFO cpu).
 *
 *   npx tsx benchmarks/events-cost.ts                 # 8 pairs after 1 unmeasured
 *   PAIRS=12 WIDTH=10000 CONCURRENCY=50 npx tsx benchmarks/events-cost.ts
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { chain, createApp, group } from '../src/index.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { median } from './stats.js';

const pairs = Number(process.env.PAIRS ?? 8);
const width = Number(process.env.WIDTH ?? 10_000);
const concurrency = Number(process.env.CONCURRENCY ?? 50);

const server = await startRedisServer();
const admin = new Redis(server.url);

async function redisCpuMs(): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1000;
}

/**
 * Time Redis spent running scripts since the last CONFIG RESETSTAT (µs): every transition, and
 * every XADD of an event, happens inside one (commands a script calls are counted in its time).
 */
async function scriptMicros(): Promise<number> {
  const info = await admin.info('commandstats');
  return Number(/^cmdstat_evalsha:calls=\d+,usec=(\d+)/m.exec(info)?.[1] ?? 0);
}

/** One fan-out on a fresh app: nodes/s, Redis CPU µs per node, and Redis script µs per node. */
async function fanOut(events: boolean): Promise<{ rate: number; redisMicrosPerNode: number; commandMicrosPerNode: number }> {
  await admin.flushall();
  const app = createApp({ redis: server.url, prefix: `bench-${randomUUID()}`, tracing: { enabled: false }, events: { enabled: events } });
  const noop = app.task({ name: 'noop' }, async (value: number) => value);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  await app.worker({ concurrency }).start();
  // Connections open and scripts loaded before the clock starts, as in the suite's warm-up.
  await (await app.submit(noop.si(0))).result({ timeoutMs: 60_000 });
  const canvas = chain(group(Array.from({ length: width }, (_, index) => noop.si(index))), sum.s());
  const cpuBefore = await redisCpuMs();
  await admin.config('RESETSTAT');
  const started = performance.now();
  const run = await app.submit(canvas);
  await run.result({ timeoutMs: 600_000 });
  const elapsed = performance.now() - started;
  const cpuAfter = await redisCpuMs();
  const commands = await scriptMicros();
  await app.close();
  return {
    rate: (width + 1) / (elapsed / 1000),
    redisMicrosPerNode: ((cpuAfter - cpuBefore) * 1000) / (width + 1),
    commandMicrosPerNode: commands / (width + 1),
  };
}

const on: number[] = [];
const off: number[] = [];
const redisOn: number[] = [];
const redisOff: number[] = [];
const commandsOn: number[] = [];
const commandsOff: number[] = [];
for (let pair = -1; pair < pairs; pair++) {
  const order = pair % 2 === 0 ? [true, false] : [false, true];
  for (const events of order) {
    const { rate, redisMicrosPerNode, commandMicrosPerNode } = await fanOut(events);
    const label = pair < 0 ? 'warm-up (not measured)' : `pair ${pair + 1}/${pairs}`;
    console.log(
      `${label} events ${events ? 'on ' : 'off'}: ${Math.round(rate).toLocaleString('en-US')} nodes/s, Redis ${redisMicrosPerNode.toFixed(1)} µs CPU/node, ${commandMicrosPerNode.toFixed(2)} µs in scripts/node`,
    );
    if (pair < 0) continue;
    (events ? on : off).push(rate);
    (events ? redisOn : redisOff).push(redisMicrosPerNode);
    (events ? commandsOn : commandsOff).push(commandMicrosPerNode);
  }
}
await admin.quit();
await server.stop();

const row = (values: number[]): string =>
  `${Math.round(median(values)).toLocaleString('en-US')} (${Math.round(Math.min(...values)).toLocaleString('en-US')}-${Math.round(Math.max(...values)).toLocaleString('en-US')})`;
console.log(`fan-out/fan-in ${width.toLocaleString('en-US')}, concurrency ${concurrency}, ${pairs} alternating pairs after 1 unmeasured:`);
console.log(`  events on : ${row(on)} nodes/s, Redis ${median(redisOn).toFixed(1)} µs CPU/node, ${median(commandsOn).toFixed(2)} µs in scripts/node`);
console.log(`  events off: ${row(off)} nodes/s, Redis ${median(redisOff).toFixed(1)} µs CPU/node, ${median(commandsOff).toFixed(2)} µs in scripts/node`);
console.log(`  on / off  : ${(median(on) / median(off)).toFixed(3)} (target >= 0.90)`);
