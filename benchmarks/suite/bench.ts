/**
 * `npm run bench`: celeriac and BullMQ side by side against one private redis-server, the two
 * engines alternating in every repetition (so machine noise hits both), medians with min-max,
 * the ratio, and the raw numbers in .bench-out/bench.json.
 *
 *   REPS=3 npm run bench            repetitions (default 3)
 *   FULL=1 npm run bench            adds the 100,000-wide fan-out
 *   CONCURRENCY=50                  worker concurrency of both engines
 *   ONLY=submit npm run bench       only the scenarios whose name contains this text
 *   WARMUP_REPS=1                   unmeasured repetitions first (default 1; see below)
 *   HTTP_SECONDS=5                  how long each HTTP row loads the endpoint (autocannon, 50 connections)
 *
 *   CELERY=0 npm run bench          leave Celery out
 *   ONLY=scaling npm run bench      only the scaling benchmark (benchmarks/scaling.ts: 1, 2 and 3
 *                                   Redis Cluster primaries; REPS passes on); SCALING=1 runs it
 *                                   after the suite
 *
 * Celery joins as a third engine when a python3 imports celery and redis (Debian's python3-celery
 * and python3-redis; CELERY_PYTHON names another interpreter); the table says so when it does not.
 * Its worker log goes to .bench-out/celery-worker.log.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../../test/helpers/redis-server.js';
import { celeryEngine, findCeleryPython } from './celery-engine.js';
import { ONE_AT_A_TIME_WARM_UP, bullmqEngine, celeriacEngine, type Engine } from './engines.js';
import { type LoadResult, loadEndpoint } from './http-load.js';
import { median } from '../stats.js';

/** benchmarks/scaling.ts in a process of its own (it starts its own Redis Clusters and worker processes). */
const runScaling = (): void =>
  void execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../scaling.ts', import.meta.url))], { stdio: 'inherit' });
if (process.env.ONLY === 'scaling') {
  runScaling();
  process.exit(0);
}

const reps = Number(process.env.REPS ?? 3);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const full = process.env.FULL === '1';
/**
 * Repetitions run first and thrown away, for celeriac and BullMQ (they run in this process):
 * the first run of a scenario pays for V8 compiling and re-compiling the code it takes, in the
 * same process and on the same two cores as Redis. Measured with --trace-opt (10,000-wide
 * fan-out, 4 repetitions): celeriac's first repetition used 518 ms of CPU and the next three
 * 353, 335 and 277, with 848 ms of optimizing compiles during the first; BullMQ's first
 * repetition also ran 8-21% slower than its next three. A one-node run per measurement (the
 * warm-up below) does not take the batch paths a scenario takes. Celery runs in processes of
 * its own and CPython does not compile, so it has none.
 */
const warmUpReps = Number(process.env.WARMUP_REPS ?? 1);

interface Scenario {
  readonly name: string;
  /** Nodes the scenario runs (for CPU per node). */
  readonly nodes: number;
  /** What is reported, and whether higher is better. */
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly target: string;
  /** The value, or the value and the nodes it ran when they are known only afterwards (`nodes` is then ignored). */
  readonly measure: (engine: Engine) => Promise<number | { readonly value: number; readonly nodes: number }>;
  readonly needsWorker: boolean;
  /** Why Celery does not run this scenario, when it does not. */
  readonly celerySkipped?: string;
  /** Also run celeriac with its event stream off (the events' cost: docs/events.md). */
  readonly eventsOff?: boolean;
  /** celeriac's worker belongs to another app, as in another process (celeriacEngine's workerApart). */
  readonly workerApart?: boolean;
}

/** The HTTP rows: autocannon's connections, and how long each measurement loads the endpoint. */
const HTTP_CONNECTIONS = 50;
const HTTP_SECONDS = Number(process.env.HTTP_SECONDS ?? 5);

/** Runs per repetition of the one-at-a-time rows. */
const ONE_AT_A_TIME_SAMPLES = 200;

/** The value below which `percentile` percent of the samples fall (nearest rank). */
function percentileOf(samples: readonly number[], percentile: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)]!;
}

const scenarios: Scenario[] = [
  ...[1_000, 10_000, ...(full ? [100_000] : [])].map((width) => ({
    name: `fan-out/fan-in ${width.toLocaleString('en-US')}`,
    nodes: width + 1,
    unit: 'nodes/s',
    higherIsBetter: true,
    target: '>= 5x',
    needsWorker: true,
    // At Celery's ~100 nodes/s for wide chords, 100,000 would take most of an hour per repetition.
    ...(width > 10_000 ? { celerySkipped: 'too slow to repeat (Celery chords run at ~100 nodes/s this wide)' } : {}),
    measure: async (engine: Engine) => (width + 1) / ((await engine.fanOut(width))[1] / 1000),
    eventsOff: width === 10_000,
  })),
  {
    name: 'map over 10,000 made at run time',
    nodes: 10_001,
    unit: 'nodes/s',
    higherIsBetter: true,
    target: '>= 0.8x static',
    needsWorker: true,
    celerySkipped: 'Celery has no map over a list made at run time (its map runs in one task)',
    // The same 10,000 members and join as fan-out/fan-in 10,000, counted the same way.
    measure: async (engine: Engine) => 10_001 / ((await engine.mapFanOut(10_000))[1] / 1000),
  },
  {
    name: 'chain 1,000',
    nodes: 1000,
    unit: 'ms/hop',
    higherIsBetter: false,
    target: '<= 1/3',
    needsWorker: true,
    measure: async (engine) => (await engine.chain(1000))[1] / 1000,
    // Every hop writes its events too (the chain's fast path included): their cost per hop.
    eventsOff: true,
  },
  {
    name: 'mixed canvas, 1,000 x 3-step chains (3,005 nodes)',
    nodes: 3005,
    unit: 'nodes/s',
    higherIsBetter: true,
    target: '-',
    needsWorker: true,
    measure: async (engine) => 3005 / ((await engine.mixed(1000))[1] / 1000),
  },
  {
    name: 'submit 10,000 (no worker)',
    nodes: 10_001,
    unit: 'ms',
    higherIsBetter: false,
    target: '<= 1/10',
    needsWorker: false,
    measure: (engine) => engine.submitOnly(10_000),
  },
  {
    name: '1,000 small runs (4 nodes each)',
    nodes: 4000,
    unit: 'nodes/s',
    higherIsBetter: true,
    target: '-',
    needsWorker: true,
    measure: async (engine) => 4000 / ((await engine.smallRuns(1000)) / 1000),
  },
  // Issue 18's everyday path: one request at a time, submit to result.
  // The same with celeriac's worker in another app, as in another process: no eager start.
  ...(
    [
      ['one task at a time, submit to result', 'task', 1, ['<= 0.5x', '<= 0.7x'], false],
      ['chain(a, group(b, c), d) at a time', 'small', 4, ['<= 0.4x', '-'], false],
      ['one task at a time, worker in another app', 'task', 1, ['-', '-'], true],
    ] as const
  ).flatMap(([label, shape, nodesPerRun, targets, workerApart]) =>
    ([50, 99] as const).map(
      (percentile, index): Scenario => ({
        name: `${label}, p${percentile}`,
        workerApart,
        // The CPU column counts the unmeasured runs too: they ran inside the measured call.
        nodes: (ONE_AT_A_TIME_SAMPLES + ONE_AT_A_TIME_WARM_UP) * nodesPerRun,
        unit: 'ms',
        higherIsBetter: false,
        target: targets[index]!,
        needsWorker: true,
        celerySkipped: 'the Celery driver does not measure runs one at a time',
        measure: async (engine) => percentileOf(await engine.oneAtATime(shape, ONE_AT_A_TIME_SAMPLES), percentile),
      }),
    ),
  ),
  // The same 4-node run behind a plain node:http endpoint, under autocannon's load (http-load.ts).
  ...(
    [
      ['requests/s', 'requests/s', true, '>= 2x', (load: LoadResult) => load.requestsPerSecond],
      ['p99', 'ms', false, '<= 1x', (load: LoadResult) => load.p99Ms],
    ] as const
  ).map(
    ([label, unit, higherIsBetter, target, read]): Scenario => ({
      name: `HTTP endpoint, a 4-node run per request, ${HTTP_CONNECTIONS} connections, ${label}`,
      nodes: 0,
      unit,
      higherIsBetter,
      target,
      needsWorker: true,
      celerySkipped: 'the Celery driver does not serve the HTTP endpoint',
      measure: async (engine) => {
        let index = 0;
        const load = await loadEndpoint(() => engine.request(index++), HTTP_CONNECTIONS, HTTP_SECONDS);
        return { value: read(load), nodes: load.answered * 4 };
      },
    }),
  ),
];

mkdirSync('.bench-out', { recursive: true });
const celeryFound = process.env.CELERY === '0' ? { skipped: 'left out (CELERY=0)' } : findCeleryPython();
const celeryPython = 'python' in celeryFound ? celeryFound.python.split(' ')[0]! : null;
const celeryVersion = 'python' in celeryFound ? celeryFound.python : '';
const celeryLog = resolve('.bench-out/celery-worker.log');

const server = await startRedisServer();
const admin = new Redis(server.url);
/** celeriac-events-off: celeriac with `events: { enabled: false }` (celeriac has them on). */
type EngineName = 'celeriac' | 'celeriac-events-off' | 'bullmq' | 'celery';
/** An engine, and how to read the CPU its processes have used so far (µs). */
const makeEngine = (name: EngineName, workerApart = false): { engine: Engine; cpuMicros: () => Promise<number> } => {
  if (name === 'celery') {
    const engine = celeryEngine(celeryPython!, server.url, celeryLog);
    return { engine, cpuMicros: () => engine.cpuMicros() };
  }
  const engine =
    name === 'bullmq' ? bullmqEngine(server.url, concurrency) : celeriacEngine(server.url, concurrency, { events: name === 'celeriac', workerApart });
  // Submitter and worker share this process: this is all the client-side CPU a node costs.
  return { engine, cpuMicros: async () => { const used = process.cpuUsage(); return used.user + used.system; } };
};
const samples: { scenario: string; engine: EngineName; value: number; cpuMicrosPerNode?: number }[] = [];

const only = process.env.ONLY;
const chosen = only ? scenarios.filter((scenario) => scenario.name.includes(only)) : scenarios;
for (let rep = -warmUpReps; rep < reps; rep++) {
  const measured = rep >= 0;
  const order: EngineName[] = rep % 2 === 0 ? ['celeriac', 'bullmq'] : ['bullmq', 'celeriac'];
  if (celeryPython && measured) order.push('celery');
  for (const scenario of chosen) {
    // Events on and off alternate too, each next to the other.
    const engines: EngineName[] = scenario.eventsOff
      ? order.flatMap((name): EngineName[] => (name !== 'celeriac' ? [name] : rep % 2 === 0 ? ['celeriac', 'celeriac-events-off'] : ['celeriac-events-off', 'celeriac']))
      : order;
    for (const name of engines) {
      if (name === 'celery' && scenario.celerySkipped) continue;
      await admin.flushall();
      const { engine, cpuMicros } = makeEngine(name, scenario.workerApart === true);
      if (scenario.needsWorker) await engine.start();
      await engine.warmUp(scenario.needsWorker);
      const cpu = await cpuMicros();
      const measurement = await scenario.measure(engine);
      const used = (await cpuMicros()) - cpu;
      await engine.stop();
      const value = typeof measurement === 'number' ? measurement : measurement.value;
      const cpuMicrosPerNode = used / (typeof measurement === 'number' ? scenario.nodes : measurement.nodes);
      if (measured) samples.push({ scenario: scenario.name, engine: name, value, cpuMicrosPerNode });
      process.stderr.write(`${measured ? `rep ${rep + 1}/${reps}` : 'warm-up (not measured)'} ${scenario.name} ${name}: ${value.toFixed(2)} ${scenario.unit} (cpu ${(used / 1000).toFixed(0)} ms)\n`);
    }
  }
}

// Redis memory per node while a 100,000-node run is in flight (submitted, nothing started yet:
// every node is stored and every root is queued, the most a run holds at once).
const MEMORY_NODES = 100_000;
const memory: Record<string, number> = {};
for (const name of ['celeriac', 'bullmq', ...(celeryPython ? (['celery'] as const) : [])] as const) {
  await admin.flushall();
  const { engine } = makeEngine(name);
  await engine.warmUp(false);
  const before = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
  await engine.submitOnly(MEMORY_NODES);
  const after = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
  await engine.stop();
  memory[name] = (after - before) / (MEMORY_NODES + 1);
}
await admin.quit();
await server.stop();

const format = (value: number): string => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));
const range = (values: number[]): string =>
  values.length ? `${format(median(values))} (${format(Math.min(...values))}-${format(Math.max(...values))})` : '-';
const rows = chosen.map((scenario) => {
  const of = (engine: EngineName) => samples.filter((sample) => sample.scenario === scenario.name && sample.engine === engine);
  const values = (engine: EngineName) => of(engine).map((sample) => sample.value);
  const cpu = (engine: EngineName) => {
    const used = of(engine).map((sample) => sample.cpuMicrosPerNode ?? 0);
    return used.length ? String(Math.round(median(used))) : '-';
  };
  // celeriac's value over the other's: above 1 is better for throughputs, below 1 for times.
  const ratio = (engine: EngineName) => (of(engine).length ? (median(values('celeriac')) / median(values(engine))).toFixed(2) : '-');
  return {
    scenario: scenario.name,
    unit: scenario.unit,
    'celeriac median (min-max)': range(values('celeriac')),
    'BullMQ median (min-max)': range(values('bullmq')),
    'celeriac / BullMQ': ratio('bullmq'),
    target: scenario.target,
    ...(celeryPython ? { 'Celery median (min-max)': range(values('celery')), 'celeriac / Celery': ratio('celery') } : {}),
    // Client-side CPU: the bench process for celeriac and BullMQ (submitter and worker share it);
    // the driver, the worker and its pool processes for Celery.
    [`CPU µs/node celeriac | BullMQ${celeryPython ? ' | Celery' : ''}`]: [cpu('celeriac'), cpu('bullmq'), ...(celeryPython ? [cpu('celery')] : [])].join(' | '),
  };
});
// The event stream's cost: celeriac with events off, beside the row above (events on, the default).
for (const scenario of chosen.filter((chosenScenario) => chosenScenario.eventsOff)) {
  const values = (engine: EngineName) => samples.filter((sample) => sample.scenario === scenario.name && sample.engine === engine).map((sample) => sample.value);
  const on = values('celeriac');
  const off = values('celeriac-events-off');
  rows.push({
    scenario: `${scenario.name}, events off`,
    unit: scenario.unit,
    'celeriac median (min-max)': range(off),
    'BullMQ median (min-max)': '-',
    'celeriac / BullMQ': '-',
    // As throughput, whichever way the scenario is measured: 0.95 means 5% slower with events on.
    target: `events on / off: ${
      on.length && off.length ? (scenario.higherIsBetter ? median(on) / median(off) : median(off) / median(on)).toFixed(2) : '-'
    }${scenario.name === 'fan-out/fan-in 10,000' ? ' (>= 0.90)' : ''}`,
    ...(celeryPython ? { 'Celery median (min-max)': '-', 'celeriac / Celery': '-' } : {}),
    [`CPU µs/node celeriac | BullMQ${celeryPython ? ' | Celery' : ''}`]: '-',
  });
}
console.log(`celeriac vs BullMQ 6.7${celeryPython ? ` and ${celeryVersion}` : ''}: ${reps} repetitions after ${warmUpReps} unmeasured, engines alternating, worker concurrency ${concurrency}, one private redis-server`);
// Issue 19: the map against the same static fan-out, celeriac alone.
const mapRow = chosen.find((scenario) => scenario.name.startsWith('map over 10,000'));
const staticRow = chosen.find((scenario) => scenario.name === 'fan-out/fan-in 10,000');
if (mapRow && staticRow) {
  const celeriacValues = (name: string) => samples.filter((sample) => sample.scenario === name && sample.engine === 'celeriac').map((sample) => sample.value);
  rows.push({
    scenario: 'map over 10,000 / static fan-out 10,000 (celeriac)',
    unit: 'ratio',
    'celeriac median (min-max)': (median(celeriacValues(mapRow.name)) / median(celeriacValues(staticRow.name))).toFixed(2),
    'BullMQ median (min-max)': '-',
    'celeriac / BullMQ': '-',
    target: '>= 0.80',
    ...(celeryPython ? { 'Celery median (min-max)': '-', 'celeriac / Celery': '-' } : {}),
    [`CPU µs/node celeriac | BullMQ${celeryPython ? ' | Celery' : ''}`]: '-',
  });
}
console.table(rows);
console.log(
  `Redis memory per node with a 100,000-node run in flight: ${Object.entries(memory).map(([name, bytes]) => `${name} ${Math.round(bytes)} B`).join(', ')}`,
);
if (full) {
  // Scaling: time per node of the 100,000-wide fan-out against the 1,000-wide one.
  const perNode = (scenario: string, engine: EngineName): number =>
    1e6 / median(samples.filter((sample) => sample.scenario === scenario && sample.engine === engine).map((sample) => sample.value));
  for (const engine of ['celeriac', 'bullmq'] as const) {
    const small = perNode('fan-out/fan-in 1,000', engine);
    const large = perNode('fan-out/fan-in 100,000', engine);
    console.log(
      `Scaling, ${engine}: ${large.toFixed(0)} µs per node at 100,000 against ${small.toFixed(0)} µs at 1,000: ${(large / small).toFixed(2)}x (target for celeriac: <= 1.3x)`,
    );
  }
}
console.log(`Celery: ${'python' in celeryFound ? `${celeryFound.python}, prefork pool of ${process.env.CELERY_BENCH_PROCESSES ?? 2} processes` : celeryFound.skipped}`);
for (const scenario of chosen) if (celeryPython && scenario.celerySkipped) console.log(`Celery, ${scenario.name}: ${scenario.celerySkipped}`);
writeFileSync('.bench-out/bench.json', JSON.stringify({ date: new Date().toISOString(), reps, warmUpReps, concurrency, samples, memory, rows }, null, 2));
if (process.env.SCALING === '1') runScaling();
