/**
 * `npm run bench:scaling` (issue 17): one fixed workload on a plain redis-server and on private
 * Redis Clusters of 1, 2 and 3 primaries (own ports on loopback), the app's runs spread over the
 * same number of shards on every cluster. Per configuration: wall-clock nodes/s, and per primary
 * the Redis CPU time (INFO cpu, used_cpu_sys + used_cpu_user) and the commands it processed
 * (INFO stats, total_commands_processed) during the workload, with the nodes its shards held;
 * and the CPU of the worker processes (process.cpuUsage in each) and of the submitting process.
 * The configurations alternate within every repetition, so machine noise hits all of them.
 * Prints medians with min-max, a per-primary table, the capacity model those figures give
 * (docs/scaling.md), and writes every sample to .bench-out/scaling.json.
 *
 *   npm run bench:scaling                 3 repetitions after 1 unmeasured
 *   REPS=5 WARMUP_REPS=1                  repetitions
 *   PRIMARIES=0,1,2,3                     configurations; 0 is the plain redis-server (no cluster)
 *   SHARDS=12 PLAIN_SHARDS=1              shards of the apps on a cluster, on the plain server
 *   PREFIX=scaling                        the apps' prefix, which decides the primary of each shard
 *   WORKERS=2 CONCURRENCY=50              worker processes, and each one's concurrency
 *   FAN_OUTS=400 WIDTH=50 CHAINS=100 CHAIN_LENGTH=10
 *                                         the workload: FAN_OUTS runs of chain(group(WIDTH x noop),
 *                                         sum) and CHAINS runs of a CHAIN_LENGTH-step chain, all
 *                                         submitted at once (21,400 nodes by default)
 *   TARGET_UTILISATION=0.7                the model's busy fraction of a core (Redis and workers)
 *   IDLE_MS=1000                          how long each primary's cost with the workers idle is
 *                                         measured before the workload (its background: cron,
 *                                         cluster bus, the workers' beats and wake-ups)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type AnyCanvas, chain, createApp, group } from '../src/index.js';
import { KeySpace } from '../src/store/keys.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { median } from './stats.js';
import { type FromWorker, type ScalingRedis, scalingAppOptions, scalingTasks, type ToWorker } from './scaling-worker.js';

const reps = Number(process.env.REPS ?? 3);
const warmUpReps = Number(process.env.WARMUP_REPS ?? 1);
const sizes = (process.env.PRIMARIES ?? '0,1,2,3').split(',').map(Number);
const clusterShards = Number(process.env.SHARDS ?? 12);
const plainShards = Number(process.env.PLAIN_SHARDS ?? 1);
const workerCount = Number(process.env.WORKERS ?? 2);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const fanOuts = Number(process.env.FAN_OUTS ?? 400);
const width = Number(process.env.WIDTH ?? 50);
const chains = Number(process.env.CHAINS ?? 100);
const chainLength = Number(process.env.CHAIN_LENGTH ?? 10);
const utilisation = Number(process.env.TARGET_UTILISATION ?? 0.7);
const idleMs = Number(process.env.IDLE_MS ?? 1000);
/**
 * The same prefix every repetition (keys are flushed between them), so a shard stays on one
 * primary. Where a shard's hash tag falls is fixed by the prefix: with 12 shards, `scaling` puts
 * 8 and 4 of them on 2 primaries and 7, 3 and 2 on 3; `scaling-40` puts 6 and 6, and 4, 4 and 4.
 */
const PREFIX = process.env.PREFIX ?? 'scaling';
const workerFile = fileURLToPath(new URL('./scaling-worker.ts', import.meta.url));

/** A Redis to measure on: a plain server, or a cluster with one admin connection per primary. */
interface Topology {
  readonly label: string;
  /** 0 for the plain server. */
  readonly primaries: number;
  readonly shards: number;
  readonly redis: ScalingRedis;
  /** A direct connection to each primary (the plain server's only one). */
  readonly admins: readonly Redis[];
  /** Which primary (index into admins) holds each shard's hash tag. */
  readonly primaryOfShard: readonly number[];
  stop(): Promise<void>;
}

async function plainTopology(): Promise<Topology> {
  const server = await startRedisServer();
  const admin = new Redis(server.url);
  return {
    label: `plain redis-server, ${plainShards} shard${plainShards === 1 ? '' : 's'}`,
    primaries: 0,
    shards: plainShards,
    redis: server.url,
    admins: [admin],
    primaryOfShard: Array.from({ length: plainShards }, () => 0),
    stop: async () => {
      await admin.quit();
      await server.stop();
    },
  };
}

async function clusterTopology(primaries: number): Promise<Topology> {
  const cluster = await startRedisCluster({ primaries });
  const admins = cluster.nodes.map((node) => new Redis({ host: '127.0.0.1', port: node.port }));
  // Which slots each primary serves, and which slot each shard's hash tag falls in.
  const slots = (await admins[0]!.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
  const primaryOfSlot = (slot: number): number => {
    const range = slots.find(([first, last]) => slot >= first && slot <= last);
    return cluster.nodes.findIndex((node) => node.port === range?.[2][1]);
  };
  const keys = new KeySpace(PREFIX, clusterShards);
  const primaryOfShard: number[] = [];
  for (const shard of keys.shards) {
    primaryOfShard.push(primaryOfSlot(Number(await admins[0]!.call('CLUSTER', 'KEYSLOT', shard.sequence))));
  }
  return {
    label: `Redis Cluster, ${primaries} primar${primaries === 1 ? 'y' : 'ies'}, ${clusterShards} shards`,
    primaries,
    shards: clusterShards,
    redis: { cluster: cluster.startupNodes },
    admins,
    primaryOfShard,
    stop: async () => {
      await Promise.all(admins.map((admin) => admin.quit()));
      await cluster.stop();
    },
  };
}

/** A worker process (scaling-worker.ts), and a way to ask it for the CPU it has used. */
interface WorkerProcess {
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

async function startWorker(topology: Topology): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', workerFile], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      SCALING_WORKER: '1',
      SCALING_REDIS: JSON.stringify(topology.redis),
      SCALING_PREFIX: PREFIX,
      SCALING_SHARDS: String(topology.shards),
      SCALING_CONCURRENCY: String(concurrency),
    },
  });
  const next = <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker): void => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<FromWorker, { type: T }>);
      };
      const onExit = (code: number | null): void => reject(new Error(`a worker process exited (${code}) before it said ${type}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const send = (message: ToWorker): void => void child.send(message);
  await next('ready');
  return {
    cpuMicros: async () => {
      const reply = next('cpu');
      send({ type: 'mark' });
      return (await reply).micros;
    },
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      send({ type: 'stop' });
      await exited;
    },
  };
}

/** A primary's counters: CPU (µs, since it started), commands processed and script calls and time (since CONFIG RESETSTAT). */
interface Counters {
  readonly cpuMicros: number;
  readonly commands: number;
  readonly scriptCalls: number;
  readonly scriptMicros: number;
}

async function counters(admin: Redis): Promise<Counters> {
  const info = String(await admin.call('INFO', 'cpu', 'stats', 'commandstats'));
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  let scriptCalls = 0;
  let scriptMicros = 0;
  for (const [, calls, usec] of info.matchAll(/^cmdstat_(?:evalsha|eval|evalsha_ro|eval_ro):calls=(\d+),usec=(\d+)/gm)) {
    scriptCalls += Number(calls);
    scriptMicros += Number(usec);
  }
  return {
    cpuMicros: (field('used_cpu_sys') + field('used_cpu_user')) * 1e6,
    commands: field('total_commands_processed'),
    scriptCalls,
    scriptMicros,
  };
}

interface PrimarySample {
  /** Shards whose hash tag is on this primary. */
  readonly shards: number;
  /** Nodes of the workload in runs on those shards. */
  readonly nodes: number;
  readonly cpuMicros: number;
  readonly commands: number;
  readonly scriptCalls: number;
  readonly scriptMicros: number;
  /** The primary's CPU per second and commands per second with the workers idle, just before. */
  readonly idleCpuMicrosPerSecond: number;
  readonly idleCommandsPerSecond: number;
}

interface Sample {
  readonly topology: string;
  readonly primaries: number;
  readonly rep: number;
  readonly nodes: number;
  readonly elapsedMs: number;
  readonly rate: number;
  readonly workerCpuMicros: number;
  readonly submitterCpuMicros: number;
  readonly perPrimary: readonly PrimarySample[];
}

/** The workload (a `fraction`-th of it), and how many nodes each of its runs has. */
function workload(tasks: ReturnType<typeof scalingTasks>, fraction = 1): { canvas: AnyCanvas; nodes: number }[] {
  const { noop, sum, step } = tasks;
  return [
    ...Array.from({ length: Math.ceil(fanOuts / fraction) }, (_, run) => ({
      canvas: chain(group(Array.from({ length: width }, (_unused, index) => noop.si(run * width + index))), sum.s()),
      nodes: width + 1,
    })),
    ...Array.from({ length: Math.ceil(chains / fraction) }, (_, run) => ({
      canvas: chain(step.si(run), ...Array.from({ length: chainLength - 1 }, () => step.s())),
      nodes: chainLength,
    })),
  ];
}

async function measure(topology: Topology, rep: number): Promise<Sample> {
  await Promise.all(topology.admins.map((admin) => admin.flushall()));
  const workers = await Promise.all(Array.from({ length: workerCount }, () => startWorker(topology)));
  const app = createApp(scalingAppOptions(topology.redis, PREFIX, topology.shards));
  const tasks = scalingTasks(app);
  // Connections opened, scripts loaded on every primary, and the code paths compiled (the worker
  // processes are new: V8 compiles and recompiles the hot code during their first thousands of
  // nodes) before the clock starts: the same workload at a fifth of its size, unmeasured.
  const warmUp = await Promise.all(workload(tasks, 5).map((run) => app.submit(run.canvas)));
  await Promise.all(warmUp.map((run) => run.result({ timeoutMs: 600_000 })));
  const runs = workload(tasks);
  const nodes = runs.reduce((total, run) => total + run.nodes, 0);

  // The background: what each primary spends with the workers connected and idle.
  const idleBefore = await Promise.all(topology.admins.map((admin) => counters(admin)));
  const idleStarted = performance.now();
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const idleAfter = await Promise.all(topology.admins.map((admin) => counters(admin)));
  const idleSeconds = (performance.now() - idleStarted) / 1000;

  const cpuBefore = await Promise.all(topology.admins.map(async (admin) => (await counters(admin)).cpuMicros));
  await Promise.all(topology.admins.map((admin) => admin.config('RESETSTAT')));
  const workerCpuBefore = await Promise.all(workers.map((worker) => worker.cpuMicros()));
  const submitterBefore = process.cpuUsage();
  const started = performance.now();
  const submitted = await Promise.all(runs.map((run) => app.submit(run.canvas)));
  await Promise.all(submitted.map((run) => run.result({ timeoutMs: 600_000 })));
  const elapsedMs = performance.now() - started;
  const submitterUsed = process.cpuUsage(submitterBefore);
  const workerCpuAfter = await Promise.all(workers.map((worker) => worker.cpuMicros()));
  const after = await Promise.all(topology.admins.map((admin) => counters(admin)));

  // Where the workload's nodes were: each run's shard, and that shard's primary.
  const keys = new KeySpace(PREFIX, topology.shards);
  const nodesOn = topology.admins.map(() => 0);
  submitted.forEach((run, index) => {
    nodesOn[topology.primaryOfShard[keys.shardOf(run.id)]!]! += runs[index]!.nodes;
  });
  await app.close();
  await Promise.all(workers.map((worker) => worker.stop()));
  return {
    topology: topology.label,
    primaries: topology.primaries,
    rep,
    nodes,
    elapsedMs,
    rate: nodes / (elapsedMs / 1000),
    workerCpuMicros: workerCpuAfter.reduce((total, value, index) => total + value - workerCpuBefore[index]!, 0),
    submitterCpuMicros: submitterUsed.user + submitterUsed.system,
    perPrimary: after.map((counted, index) => ({
      shards: topology.primaryOfShard.filter((primary) => primary === index).length,
      nodes: nodesOn[index]!,
      cpuMicros: counted.cpuMicros - cpuBefore[index]!,
      commands: counted.commands,
      scriptCalls: counted.scriptCalls,
      scriptMicros: counted.scriptMicros,
      idleCpuMicrosPerSecond: (idleAfter[index]!.cpuMicros - idleBefore[index]!.cpuMicros) / idleSeconds,
      // Less the INFO that read the counters.
      idleCommandsPerSecond: (idleAfter[index]!.commands - idleBefore[index]!.commands - 1) / idleSeconds,
    })),
  };
}

const loadBefore = loadavg();
const topologies: Topology[] = [];
for (const size of sizes) topologies.push(size === 0 ? await plainTopology() : await clusterTopology(size));
const samples: Sample[] = [];
try {
  for (let rep = -warmUpReps; rep < reps; rep++) {
    // Alternate the order: every configuration goes first in some repetition.
    const order = rep % 2 === 0 ? topologies : [...topologies].reverse();
    for (const topology of order) {
      const sample = await measure(topology, rep);
      if (rep >= 0) samples.push(sample);
      const perPrimary = sample.perPrimary.map((primary) => `${(primary.cpuMicros / 1000).toFixed(0)} ms/${(primary.commands / 1000).toFixed(1)}k cmds`);
      process.stderr.write(
        `${rep >= 0 ? `rep ${rep + 1}/${reps}` : 'warm-up (not measured)'} ${topology.label}: ${Math.round(sample.rate).toLocaleString('en-US')} nodes/s; Redis ${perPrimary.join(', ')}; workers ${(sample.workerCpuMicros / 1000).toFixed(0)} ms CPU\n`,
      );
    }
  }
} finally {
  for (const topology of topologies) await topology.stop();
}
const loadAfter = loadavg();

const format = (value: number): string => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2));
const range = (values: readonly number[]): string => `${format(median(values))} (${format(Math.min(...values))}-${format(Math.max(...values))})`;
const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

interface Summary {
  readonly topology: Topology;
  readonly of: readonly Sample[];
  /** Medians over the repetitions. */
  readonly redisMicrosPerNode: number;
  /** The same less each primary's idle CPU over the workload's time. */
  readonly redisNetMicrosPerNode: number;
  readonly workerMicrosPerNode: number;
  readonly submitterMicrosPerNode: number;
  readonly commandsPerNode: number;
  readonly busiestCpuMs: number;
}
const summaries: Summary[] = topologies.map((topology) => {
  const of = samples.filter((sample) => sample.topology === topology.label);
  const perNode = (value: (sample: Sample) => number): number => median(of.map((sample) => value(sample) / sample.nodes));
  return {
    topology,
    of,
    redisMicrosPerNode: perNode((sample) => sum(sample.perPrimary.map((primary) => primary.cpuMicros))),
    redisNetMicrosPerNode: perNode((sample) => sum(sample.perPrimary.map((primary) => primary.cpuMicros - (primary.idleCpuMicrosPerSecond * sample.elapsedMs) / 1000))),
    workerMicrosPerNode: perNode((sample) => sample.workerCpuMicros),
    submitterMicrosPerNode: perNode((sample) => sample.submitterCpuMicros),
    commandsPerNode: perNode((sample) => sum(sample.perPrimary.map((primary) => primary.commands))),
    busiestCpuMs: median(of.map((sample) => Math.max(...sample.perPrimary.map((primary) => primary.cpuMicros)) / 1000)),
  };
});

const nodes = samples[0]?.nodes ?? 0;
console.log(
  `celeriac scaling, prefix ${PREFIX}: ${fanOuts} x chain(group(${width} x noop), sum) + ${chains} x chain of ${chainLength} = ${nodes.toLocaleString('en-US')} nodes, all submitted at once; ` +
    `${workerCount} worker processes of concurrency ${concurrency}; ${reps} repetitions after ${warmUpReps} unmeasured, configurations alternating; ` +
    `load average ${loadBefore.map((value) => value.toFixed(1)).join(' ')} before, ${loadAfter.map((value) => value.toFixed(1)).join(' ')} after`,
);
console.table(
  summaries.map((summary) => ({
    configuration: summary.topology.label,
    'nodes/s median (min-max)': range(summary.of.map((sample) => sample.rate)),
    'Redis CPU ms per primary': summary.topology.admins
      .map((_admin, index) => format(median(summary.of.map((sample) => sample.perPrimary[index]!.cpuMicros / 1000))))
      .join(' | '),
    'busiest primary, ms': format(summary.busiestCpuMs),
    'commands per primary (k)': summary.topology.admins
      .map((_admin, index) => (median(summary.of.map((sample) => sample.perPrimary[index]!.commands)) / 1000).toFixed(1))
      .join(' | '),
    'Redis CPU µs/node (all primaries)': format(summary.redisMicrosPerNode),
    'the same less idle': format(summary.redisNetMicrosPerNode),
    'commands/node': format(summary.commandsPerNode),
    'worker CPU µs/node': format(summary.workerMicrosPerNode),
    'submitter CPU µs/node': format(summary.submitterMicrosPerNode),
  })),
);
console.log('Per primary (medians over the repetitions; "per node" counts the nodes of the runs on that primary\'s shards):');
console.table(
  summaries.flatMap((summary) =>
    summary.topology.admins.map((_admin, index) => {
      const of = summary.of.map((sample) => sample.perPrimary[index]!);
      const perOwnNode = (value: (primary: PrimarySample) => number): string => {
        const values = of.filter((primary) => primary.nodes > 0).map((primary) => value(primary) / primary.nodes);
        return values.length ? format(median(values)) : '-';
      };
      return {
        configuration: summary.topology.label,
        primary: index + 1,
        shards: of[0]?.shards ?? 0,
        nodes: format(median(of.map((primary) => primary.nodes))),
        'Redis CPU ms': format(median(of.map((primary) => primary.cpuMicros / 1000))),
        'commands (k)': (median(of.map((primary) => primary.commands)) / 1000).toFixed(1),
        'script calls (k)': (median(of.map((primary) => primary.scriptCalls)) / 1000).toFixed(1),
        'CPU µs per own node': perOwnNode((primary) => primary.cpuMicros),
        'script µs per own node': perOwnNode((primary) => primary.scriptMicros),
        'commands per own node': perOwnNode((primary) => primary.commands),
        'idle CPU ms/s': format(median(of.map((primary) => primary.idleCpuMicrosPerSecond / 1000))),
        'idle commands/s': format(median(of.map((primary) => primary.idleCommandsPerSecond))),
      };
    }),
  ),
);

// The model (docs/scaling.md): capacity from the per-node CPU figures of the largest cluster measured.
const largest = summaries.filter((summary) => summary.topology.primaries > 0).at(-1);
const model = largest
  ? [100_000, 1_000_000].map((target) => {
      const redisCores = (target * largest.redisMicrosPerNode) / 1e6;
      const redisNetCores = (target * largest.redisNetMicrosPerNode) / 1e6;
      const workerCores = (target * largest.workerMicrosPerNode) / 1e6;
      return {
        target,
        redisCores,
        primaries: Math.ceil(redisCores / utilisation),
        redisNetCores,
        primariesNet: Math.ceil(redisNetCores / utilisation),
        workerCores,
        workerProcesses: Math.ceil(workerCores / utilisation),
        commandsPerSecond: target * largest.commandsPerNode,
      };
    })
  : [];
if (largest) {
  console.log(
    `Model (not a measurement), from "${largest.topology.label}": ${format(largest.redisMicrosPerNode)} µs of Redis CPU per node over all primaries ` +
      `(${format(largest.redisNetMicrosPerNode)} less idle), ${format(largest.workerMicrosPerNode)} µs of worker CPU per node, ` +
      `${format(largest.commandsPerNode)} commands per node; each primary and each worker process (one core each) kept ${Math.round(utilisation * 100)}% busy; ` +
      'load spread evenly over the shards and the shards evenly over the primaries',
  );
  for (const row of model) {
    console.log(
      `  ${row.target.toLocaleString('en-US')} nodes/s: Redis ${row.redisCores.toFixed(1)} cores -> ${row.primaries} primaries ` +
        `(less idle: ${row.redisNetCores.toFixed(1)} cores -> ${row.primariesNet}); workers ${row.workerCores.toFixed(1)} cores -> ${row.workerProcesses} worker processes; ` +
        `${Math.round(row.commandsPerSecond).toLocaleString('en-US')} commands/s in all`,
    );
  }
}
mkdirSync('.bench-out', { recursive: true });
writeFileSync(
  '.bench-out/scaling.json',
  JSON.stringify(
    {
      date: new Date().toISOString(),
      reps,
      warmUpReps,
      workload: { fanOuts, width, chains, chainLength, nodes },
      workers: workerCount,
      concurrency,
      clusterShards,
      plainShards,
      prefix: PREFIX,
      loadBefore,
      loadAfter,
      samples,
      model,
    },
    null,
    2,
  ),
);
