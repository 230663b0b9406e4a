/**
 * Core throughput and latency of celeriac alone (the side-by-side comparison with BullMQ and
 * Celery is issue 5). Starts its own redis-server on a free port unless REDIS_URL is set.
 *
 *   npm run bench:core                      # defaults below
 *   WIDTHS=1000,10000 CHAIN=1000 REPS=3 CONCURRENCY=50 npm run bench:core
 *
 * Prints medians with min-max and writes the raw numbers to .bench-out/core.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { type AnyCanvas, chain, createApp, group } from '../src/index.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { median } from './stats.js';

const widths = (process.env.WIDTHS ?? '1000,10000').split(',').map(Number);
const chainLength = Number(process.env.CHAIN ?? 1000);
const reps = Number(process.env.REPS ?? 3);
const concurrency = Number(process.env.CONCURRENCY ?? 50);

const server = process.env.REDIS_URL ? null : await startRedisServer();
const url = process.env.REDIS_URL ?? server!.url;
const admin = new Redis(url);

interface Sample {
  readonly scenario: string;
  readonly nodes: number;
  readonly submitMs: number;
  readonly totalMs: number;
}

async function measure(scenario: string, build: (tasks: ReturnType<typeof tasksOf>) => AnyCanvas, nodes: number): Promise<Sample> {
  const prefix = `bench-${randomUUID()}`;
  const app = createApp({ redis: url, prefix });
  const tasks = tasksOf(app);
  const worker = app.worker({ concurrency });
  await worker.start();
  const canvas = build(tasks);
  const started = performance.now();
  const run = await app.submit(canvas);
  const submitted = performance.now();
  await run.result({ timeoutMs: 600_000 });
  const finished = performance.now();
  await app.close();
  // Retention arrives with issue 3: clean up by hand here.
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.del(...keys);
  } while (cursor !== '0');
  return { scenario, nodes, submitMs: submitted - started, totalMs: finished - started };
}

function tasksOf(app: ReturnType<typeof createApp>) {
  const noop = app.task({ name: 'noop' }, async (value: number) => value);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  const step = app.task({ name: 'step' }, async (value: number) => value + 1);
  return { noop, sum, step };
}

const samples: Sample[] = [];
for (let rep = 0; rep < reps; rep++) {
  for (const width of widths) {
    samples.push(
      await measure(`fan-out/fan-in ${width}`, ({ noop, sum }) => chain(group(Array.from({ length: width }, (_, i) => noop.si(i))), sum.s()), width + 1),
    );
  }
  samples.push(
    await measure(`chain ${chainLength}`, ({ step }) => chain(step.si(0), ...Array.from({ length: chainLength - 1 }, () => step.s())), chainLength),
  );
}

const scenarios = [...new Set(samples.map((sample) => sample.scenario))];
const rows = scenarios.map((scenario) => {
  const of = samples.filter((sample) => sample.scenario === scenario);
  const nodes = of[0]!.nodes;
  const rate = of.map((sample) => nodes / (sample.totalMs / 1000));
  const perNode = of.map((sample) => (sample.totalMs * 1000) / nodes);
  const submit = of.map((sample) => sample.submitMs);
  return {
    scenario,
    nodes,
    'nodes/s median': Math.round(median(rate)),
    'nodes/s min-max': `${Math.round(Math.min(...rate))}-${Math.round(Math.max(...rate))}`,
    'µs/node median': Math.round(median(perNode)),
    'submit ms median': Math.round(median(submit)),
  };
});
console.log(`celeriac core benchmark: ${reps} repetitions, worker concurrency ${concurrency}, one worker process, Redis ${url}`);
console.table(rows);
mkdirSync('.bench-out', { recursive: true });
writeFileSync('.bench-out/core.json', JSON.stringify({ date: new Date().toISOString(), reps, concurrency, samples, rows }, null, 2));
await admin.quit();
await server?.stop();
