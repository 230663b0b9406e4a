/**
 * One worker process of benchmarks/scaling.ts: an app on the Redis (or Redis Cluster) the driver
 * names, the workload's tasks, and one worker. Spoken to over the IPC channel:
 *
 *   child -> { type: 'ready' }                      once the worker consumes
 *   parent -> { type: 'mark' }                      child -> { type: 'cpu', micros }: CPU used so far
 *   parent -> { type: 'stop' }                      child closes the app and exits
 *
 * Environment: SCALING_WORKER=1, SCALING_REDIS (JSON: a URL string or { cluster: [{ host, port }] }), SCALING_PREFIX,
 * SCALING_SHARDS, SCALING_CONCURRENCY.
 */
import { createApp, type AppOptions } from '../src/index.js';

export type ScalingRedis = string | { readonly cluster: readonly { readonly host: string; readonly port: number }[] };

export type ToWorker = { readonly type: 'mark' } | { readonly type: 'stop' };
export type FromWorker = { readonly type: 'ready' } | { readonly type: 'cpu'; readonly micros: number };

/** The workload's tasks, the same in the driver (which only submits) and the workers. */
export function scalingTasks(app: ReturnType<typeof createApp>) {
  const noop = app.task({ name: 'noop' }, async (value: number) => value);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  const step = app.task({ name: 'step' }, async (value: number) => value + 1);
  return { noop, sum, step };
}

/** The app options of one configuration, for the driver and the workers alike. */
export function scalingAppOptions(redis: ScalingRedis, prefix: string, shards: number): AppOptions {
  return {
    redis: typeof redis === 'string' ? redis : { cluster: redis.cluster },
    prefix,
    shards,
    tracing: { enabled: false },
  };
}

// The driver imports this module for the functions above; only a process it started runs a worker.
if (process.env.SCALING_WORKER === '1' && process.send) {
  const send = (message: FromWorker): void => void process.send?.(message);
  const redis = JSON.parse(process.env.SCALING_REDIS ?? '""') as ScalingRedis;
  const app = createApp(scalingAppOptions(redis, process.env.SCALING_PREFIX ?? 'scaling', Number(process.env.SCALING_SHARDS ?? 1)));
  scalingTasks(app);
  await app.worker({ concurrency: Number(process.env.SCALING_CONCURRENCY ?? 50) }).start();
  const cpu = (): number => {
    const used = process.cpuUsage();
    return used.user + used.system;
  };
  process.on('message', (message: ToWorker) => {
    if (message.type === 'mark') send({ type: 'cpu', micros: cpu() });
    else if (message.type === 'stop') void app.close().then(() => process.exit(0));
  });
  send({ type: 'ready' });
}
