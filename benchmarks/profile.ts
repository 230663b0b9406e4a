/**
 * Where the time goes in one scenario: Redis's own INFO commandstats (EVALSHA's time includes
 * the commands its scripts call), Redis time per script (from SLOWLOG with a threshold of 0,
 * which records every command with its duration inside Redis; recording every call inflates
 * script times somewhat, so read it for the split between scripts), and, with PROFILE_CPU=1,
 * the client's CPU profile summarized by function (self time).
 *
 *   npm run bench:profile                          # fan-out of 10,000
 *   SCENARIO=chain LENGTH=1000 npm run bench:profile
 *   EVENTS=0 npm run bench:profile                      # with the event stream off
 *   SCENARIO=submit WIDTH=10000 npm run bench:profile
 *   SCENARIO=memory WIDTH=100000 npm run bench:profile   # Redis bytes per node, key by key
 *   SLOWLOG=1 npm run bench:profile                # also Redis time per script (inflated)
 *   PROFILE_CPU=1 npm run bench:profile            # also .bench-out/profile.cpuprofile, summarized
 *   SAMPLE_US=50 PROFILE_CPU=1 npm run bench:profile   # finer sampling (default 1000 µs)
 *   PROFILE_HEAP=1 npm run bench:profile           # also what the process allocates, by function (sampled)
 *   WARMUP=0 npm run bench:profile                 # measure the first run (default: 3 runs first)
 *
 * One private redis-server, one worker (concurrency 50) in this process, tracing off. The
 * scenario runs WARMUP times before the measured run (default 3), so that what is measured is
 * the steady state: the first runs pay for V8 compiling the code they take (hundreds of ms of
 * optimizing compiles on background threads in the first 10,000-wide fan-out).
 */
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { type AnyCanvas, chain, createApp, group } from '../src/index.js';
import { scripts } from '../test/helpers/all-scripts.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

const scenario = process.env.SCENARIO ?? 'fanout';
const width = Number(process.env.WIDTH ?? 10_000);
const length = Number(process.env.LENGTH ?? 1000);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const profileCpu = process.env.PROFILE_CPU === '1';
const perScript = process.env.SLOWLOG === '1';
const profileHeap = process.env.PROFILE_HEAP === '1';

const server = await startRedisServer();
const admin = new Redis(server.url);
const app = createApp({ redis: server.url, prefix: `profile-${randomUUID()}`, tracing: { enabled: false }, events: { enabled: process.env.EVENTS !== '0' } });
const noop = app.task({ name: 'noop' }, async (value: number) => value);
const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
const step = app.task({ name: 'step' }, async (value: number) => value + 1);

const canvas: AnyCanvas =
  scenario === 'chain'
    ? chain(step.si(0), ...Array.from({ length: length - 1 }, () => step.s()))
    : scenario === 'small'
      ? chain(step.si(0), group(step.s(), step.s()), sum.s())
      : chain(group(Array.from({ length: width }, (_, index) => noop.si(index))), sum.s());
// SCENARIO=small: RUNS runs of that 4-node canvas, submitted at once (the suite's small runs).
const runCount = scenario === 'small' ? Number(process.env.RUNS ?? 1000) : 1;
const nodes = scenario === 'chain' ? length : scenario === 'small' ? 4 * runCount : width + 1;
const submitAll = () => Promise.all(Array.from({ length: runCount }, () => app.submit(canvas)));

// Warm up: load the scripts and JIT the paths with a small run first.
const worker = scenario === 'submit' || scenario === 'memory' ? null : app.worker({ concurrency });
await worker?.start();
if (scenario === 'memory') {
  // Submitted, nothing started: every node stored and every root queued, the most a run holds.
  await app.submit(noop.si(0)); // the queue's keys exist before measuring
  const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
  const before = await usedMemory();
  const run = await app.submit(canvas);
  const after = await usedMemory();
  console.log(`${nodes} nodes submitted: used_memory grew by ${((after - before) / nodes).toFixed(0)} B per node`);
  const rows = [];
  for (const key of [`{${app.config.prefix}}:run:${run.id}:specs`, `{${app.config.prefix}}:run:${run.id}:nodes`, `{${app.config.prefix}}:queue:default:ready`]) {
    const bytes = Number(await admin.memory('USAGE', key, 'SAMPLES', '0'));
    rows.push({ key: key.replace(run.id, '<id>'), encoding: await admin.object('ENCODING', key), 'B per node': Math.round(bytes / nodes) });
  }
  console.table(rows);
  console.log('node 5:', await admin.hget(`{${app.config.prefix}}:run:${run.id}:nodes`, '5'), await admin.hget(`{${app.config.prefix}}:run:${run.id}:specs`, '5'));
  // And once it has run: every node's spec, state and result are kept until the run expires.
  const runner = app.worker({ concurrency });
  await runner.start();
  await run.result({ timeoutMs: 600_000 });
  console.log(`after the run succeeded: ${((await usedMemory() - before) / nodes).toFixed(0)} B per node (specs, states and results, kept until retention expires)`);
  await app.close();
  await admin.quit();
  await server.stop();
  process.exit(0);
}
const warmUps = Number(process.env.WARMUP ?? 3);
for (let index = 0; index < warmUps; index++) {
  for (const warmUp of await submitAll()) {
    if (worker) await warmUp.result({ timeoutMs: 600_000 });
    else await warmUp.cancel();
  }
}

if (perScript) await admin.config('SET', 'slowlog-log-slower-than', '0');
await admin.config('SET', 'slowlog-max-len', '1000000');
await admin.slowlog('RESET');
await admin.config('RESETSTAT');
const session = profileCpu || profileHeap ? new Session() : null;
if (session) session.connect();
if (session && profileCpu) {
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: Number(process.env.SAMPLE_US ?? 1000) });
  await session.post('Profiler.start');
}
if (session && profileHeap) {
  // Every allocation is sampled, including objects a scavenge or a full collection freed since.
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const cpu = process.cpuUsage();
const started = performance.now();
const runs = await submitAll();
const submitted = performance.now();
if (worker) await Promise.all(runs.map((run) => run.result({ timeoutMs: 600_000 })));
const finished = performance.now();
const used = process.cpuUsage(cpu);
const profile = session && profileCpu ? ((await session.post('Profiler.stop')) as { profile: CpuProfile }).profile : null;
const heap = session && profileHeap ? ((await session.post('HeapProfiler.stopSampling')) as { profile: HeapProfile }).profile : null;

const commandstats = await admin.info('commandstats');
await admin.config('SET', 'slowlog-log-slower-than', '-1');
const entries = perScript ? ((await admin.slowlog('GET', -1)) as [number, number, number, string[]][]) : [];
await app.close();
await admin.quit();
await server.stop();

console.log('INFO commandstats (calls, µs inside Redis in all, µs per call):');
for (const line of commandstats.split('\r\n')) {
  const match = /^cmdstat_(\w+):calls=(\d+),usec=(\d+),usec_per_call=([\d.]+)/.exec(line);
  if (match && ['evalsha', 'eval', 'blpop', 'hgetall', 'publish', 'subscribe'].includes(match[1]!)) {
    console.log(`  ${match[1]}: ${match[2]} calls, ${(Number(match[3]) / 1000).toFixed(1)} ms, ${match[4]} µs per call`);
  }
}
const names = new Map(Object.values(scripts).map((script) => [script.sha, script.name]));
const byCommand = new Map<string, number[]>();
for (const [, , micros, args] of entries) {
  const command = String(args[0]).toLowerCase();
  const name = command === 'evalsha' ? (names.get(String(args[1])) ?? 'evalsha ?') : command;
  if (name === 'slowlog' || name === 'config') continue;
  const list = byCommand.get(name) ?? [];
  list.push(micros);
  byCommand.set(name, list);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const evalshaMicros = Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(commandstats)?.[1] ?? 0);
console.log(
  `${scenario}: ${nodes} nodes, submit ${(submitted - started).toFixed(0)} ms, total ${(finished - started).toFixed(0)} ms, ` +
    `${Math.round(nodes / ((finished - started) / 1000))} nodes/s`,
);
console.log(
  `client CPU ${((used.user + used.system) / 1000).toFixed(0)} ms (${((used.user + used.system) / nodes).toFixed(1)} µs/node, ` +
    `user ${(used.user / nodes).toFixed(1)} + system ${(used.system / nodes).toFixed(1)}); ` +
    `Redis time in scripts ${(evalshaMicros / 1000).toFixed(0)} ms (${(evalshaMicros / nodes).toFixed(1)} µs/node)`,
);
if (perScript) {
  console.log('Per script and command, from SLOWLOG (every call recorded, which inflates script times):');
  console.table(
    [...byCommand]
      .map(([name, micros]) => ({
        command: name,
        calls: micros.length,
        'total ms': Number((micros.reduce((a, b) => a + b, 0) / 1000).toFixed(1)),
        'median µs': median(micros),
        'max µs': Math.max(...micros),
        'µs per node': Number((micros.reduce((a, b) => a + b, 0) / nodes).toFixed(1)),
      }))
      .sort((a, b) => b['total ms'] - a['total ms'])
      .slice(0, 12),
  );
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}
if (profile) {
  mkdirSync('.bench-out', { recursive: true });
  writeFileSync('.bench-out/profile.cpuprofile', JSON.stringify(profile));
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    if (!frame) return;
    const file = frame.url.replace(/^.*\/(node_modules\/[^/]+|src|benchmarks)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`CPU profile: ${(total / 1000).toFixed(0)} ms sampled; top functions by self time`);
  console.table(
    [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([where, micros]) => ({ where, 'self ms': Number((micros / 1000).toFixed(1)), '%': Number(((100 * micros) / total).toFixed(1)) })),
  );
}

interface HeapProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: HeapProfileNode[];
}
interface HeapProfile {
  head: HeapProfileNode;
}
if (heap) {
  const bytes = new Map<string, number>();
  const walk = (node: HeapProfileNode): void => {
    const { functionName, url } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules\/[^/]+|src|benchmarks)\//, '$1/').replace(/^.*node_modules\/([^/]+)\/.*$/, '$1');
    const key = `${functionName || '(anonymous)'} ${file}`;
    bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(heap.head);
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  console.log(`Allocated (sampled): ${(total / 1e6).toFixed(1)} MB, ${Math.round(total / nodes)} B per node; top functions`);
  console.table(
    [...bytes]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([where, size]) => ({ where, MB: Number((size / 1e6).toFixed(2)), 'B per node': Math.round(size / nodes) })),
  );
}
