/**
 * The cost of `replication: { waitReplicas: 1 }` (AppOptions.replication) on a private Redis
 * Cluster of 3 primaries with a replica each, runs over 6 shards: a 200-step chain (every step a
 * start and a completion in a row, each then waiting for a replica) and a 2,000-wide group with
 * its chord (transitions batched, many in flight). Off and on alternate in every repetition, each
 * on a fresh prefix. Prints every repetition, then medians with min-max and the ratio on/off, and
 * writes the raw numbers to .bench-out/replication-wait.json.
 *
 *   npx tsx benchmarks/replication-wait.ts
 *   PAIRS=7 STEPS=200 WIDTH=2000 CONCURRENCY=50 TIMEOUT_MS=100 npx tsx benchmarks/replication-wait.ts
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { type AppOptions, chain, createApp, group } from '../src/index.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { median } from './stats.js';

const pairs = Number(process.env.PAIRS ?? 5);
const steps = Number(process.env.STEPS ?? 200);
const width = Number(process.env.WIDTH ?? 2000);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const timeoutMs = Number(process.env.TIMEOUT_MS ?? 100);

const cluster = await startRedisCluster({ primaries: 3, replicas: 1 });

type Scenario = 'chain' | 'group';

/** One run of a scenario on a fresh app: its wall time in ms, submit to result. */
async function once(scenario: Scenario, wait: boolean): Promise<number> {
  const options: AppOptions = {
    redis: { cluster: cluster.startupNodes },
    shards: 6,
    prefix: `bench-${randomUUID()}`,
    tracing: { enabled: false },
    ...(wait ? { replication: { waitReplicas: 1, timeoutMs } } : {}),
  };
  const app = createApp(options);
  const step = app.task({ name: 'step' }, async (value: number) => value + 1);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  await app.worker({ concurrency }).start();
  // Connections open and scripts cached on every primary before the clock starts.
  await Promise.all(Array.from({ length: 12 }, async (_, index) => (await app.submit(step.si(index))).result({ timeoutMs: 60_000 })));
  const canvas =
    scenario === 'chain'
      ? chain(step.si(0), ...Array.from({ length: steps - 1 }, () => step.s()))
      : chain(group(Array.from({ length: width }, (_, index) => step.si(index))), sum.s());
  const started = performance.now();
  const run = await app.submit(canvas);
  await run.result({ timeoutMs: 600_000 });
  const elapsed = performance.now() - started;
  await app.close();
  return elapsed;
}

const samples: Record<Scenario, { off: number[]; on: number[] }> = { chain: { off: [], on: [] }, group: { off: [], on: [] } };
try {
  for (const scenario of ['chain', 'group'] as const) {
    await once(scenario, false);
    await once(scenario, true);
    for (let pair = 0; pair < pairs; pair++) {
      // Alternate which goes first, so that drift on the shared machine falls on both.
      const order = pair % 2 === 0 ? [false, true] : [true, false];
      for (const wait of order) {
        const ms = await once(scenario, wait);
        samples[scenario][wait ? 'on' : 'off'].push(ms);
        console.log(`${scenario} ${wait ? 'WAIT 1' : 'no wait'}: ${ms.toFixed(0)} ms`);
      }
    }
  }
  const summary = Object.fromEntries(
    (['chain', 'group'] as const).map((scenario) => {
      const { off, on } = samples[scenario];
      const row = {
        offMedianMs: Math.round(median(off)),
        offRange: [Math.round(Math.min(...off)), Math.round(Math.max(...off))],
        onMedianMs: Math.round(median(on)),
        onRange: [Math.round(Math.min(...on)), Math.round(Math.max(...on))],
        ratio: Number((median(on) / median(off)).toFixed(2)),
      };
      console.log(`${scenario}: no wait ${row.offMedianMs} ms (${row.offRange.join('-')}), WAIT 1 ${row.onMedianMs} ms (${row.onRange.join('-')}), x${row.ratio}`);
      return [scenario, row];
    }),
  );
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync(
    '.bench-out/replication-wait.json',
    JSON.stringify({ date: new Date().toISOString(), pairs, steps, width, concurrency, timeoutMs, samples, summary }, null, 2),
  );
} finally {
  await cluster.stop();
}
