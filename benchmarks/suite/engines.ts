/**
 * The two engines measured side by side, behind one interface. Each measurement gets a fresh
 * app/queue on an emptied private Redis, a worker with the same concurrency, and no-op tasks.
 *
 * BullMQ has flows, not a canvas: a fan-out/fan-in is a parent with N children (the parent runs
 * after them and sums getChildrenValues()), a chain is a flow nested N deep (the leaf runs
 * first), and chain(a, group(b, c), d) is approximated by d <- [b <- a, c] (a flow is a tree:
 * one job cannot be the child of two parents). The mixed canvas is approximated the same way,
 * with the same number of jobs: sum <- [step <- sum <- n x (step <- step <- step), step, step].
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadBullmq, type FlowJob } from './bullmq.js';
import { type AnyCanvas, chain, chord, createApp, group, map } from '../../src/index.js';

export interface Engine {
  readonly name: string;
  /** Start workers; returns when they consume. */
  start(): Promise<void>;
  /**
   * One tiny run before measuring (and waiting for it when a worker runs): connections opened
   * and scripts loaded, so that every measurement is of the steady state, for both engines.
   */
  warmUp(withWorker: boolean): Promise<void>;
  /** Submit, then wait for the result. Returns [submit ms, total ms]. */
  fanOut(width: number): Promise<[number, number]>;
  /**
   * The same fan-out over a list one task makes at run time (issue 19's map): celeriac's
   * `chain(list, map(noop), sum)`; BullMQ's way, a job that adds the flow of children when it
   * runs and waits for it. Returns [submit ms, total ms].
   */
  mapFanOut(width: number): Promise<[number, number]>;
  chain(length: number): Promise<[number, number]>;
  /**
   * The demo's shape at scale: chain(chord(group(n x chain(step, step, step)), sum),
   * chord(group(step, step, step), sum)): 3n + 5 nodes.
   */
  mixed(n: number): Promise<[number, number]>;
  /** Many small runs at once; returns total ms. */
  smallRuns(count: number): Promise<number>;
  /** Submit only (no worker running); returns submit ms. */
  submitOnly(width: number): Promise<number>;
  /**
   * Submit, wait for the result, then the next, `samples` times (after a few unmeasured): each
   * one's ms from submit to result. 'task': one task; 'small': chain(a, group(b, c), d), for
   * BullMQ the flow of the small runs (issue 18's everyday path).
   */
  oneAtATime(shape: 'task' | 'small', samples: number): Promise<number[]>;
  /** What the HTTP endpoint does per request (http-load.ts): submit chain(a, group(b, c), d), wait for its value. */
  request(index: number): Promise<unknown>;
  stop(): Promise<void>;
}

const now = (): number => performance.now();

/**
 * celeriac with its defaults (the event stream on), or with `events: false` its event stream off.
 * `workerApart`: the worker belongs to a second app on the same prefix, as a worker in another
 * process would: no eager start, no finish handed over in the process (the usual deployment of
 * a web process that submits and worker processes that run).
 */
export function celeriacEngine(url: string, concurrency: number, options: { readonly events?: boolean; readonly workerApart?: boolean } = {}): Engine {
  const appOptions = { redis: url, prefix: `bench-${randomUUID()}`, tracing: { enabled: false }, events: { enabled: options.events ?? true } };
  const app = createApp(appOptions);
  const workerApp = options.workerApart ? createApp(appOptions) : app;
  const tasks = (on: typeof app) => ({
    noop: on.task({ name: 'noop' }, async (value: number) => value),
    sum: on.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0)),
    step: on.task({ name: 'step' }, async (value: number) => value + 1),
    list: on.task({ name: 'list' }, async (width: number) => Array.from({ length: width }, (_, index) => index)),
  });
  const { noop, sum, step, list } = tasks(app);
  if (workerApp !== app) tasks(workerApp);
  const worker = workerApp.worker({ concurrency });
  const timed = async (canvas: AnyCanvas): Promise<[number, number]> => {
    const started = now();
    const run = await app.submit(canvas);
    const submitted = now();
    await run.result({ timeoutMs: 600_000 });
    return [submitted - started, now() - started];
  };
  return {
    name: 'celeriac',
    start: () => worker.start(),
    warmUp: async (withWorker) => {
      const run = await app.submit(noop.si(0));
      if (withWorker) await run.result({ timeoutMs: 60_000 });
    },
    fanOut: (width) => timed(chain(group(Array.from({ length: width }, (_, index) => noop.si(index))), sum.s())),
    mapFanOut: (width) => timed(chain(list.si(width), map(noop.s()), sum.s())),
    chain: (length) => timed(chain(step.si(0), ...Array.from({ length: length - 1 }, () => step.s()))),
    mixed: (n) =>
      timed(
        chain(
          chord(group(Array.from({ length: n }, (_, index) => chain(step.si(index), step.s(), step.s()))), sum.s()),
          chord(group(step.s(), step.s(), step.s()), sum.s()),
        ),
      ),
    smallRuns: async (count) => {
      const started = now();
      const runs = await Promise.all(
        Array.from({ length: count }, (_, index) => app.submit(chain(noop.si(index), group(noop.s(), noop.s()), sum.s()))),
      );
      await Promise.all(runs.map((run) => run.result({ timeoutMs: 600_000 })));
      return now() - started;
    },
    submitOnly: async (width) => {
      const canvas = chain(group(Array.from({ length: width }, (_, index) => noop.si(index))), sum.s());
      const started = now();
      await app.submit(canvas);
      return now() - started;
    },
    oneAtATime: (shape, samples) =>
      oneAtATime(samples, async (index) => {
        const canvas = shape === 'task' ? noop.si(index) : chain(noop.si(index), group(noop.s(), noop.s()), sum.s());
        await (await app.submit(canvas)).result({ timeoutMs: 60_000 });
      }),
    request: async (index) => (await app.submit(chain(noop.si(index), group(noop.s(), noop.s()), sum.s()))).result({ timeoutMs: 60_000 }),
    stop: async () => {
      if (workerApp !== app) await workerApp.close();
      await app.close();
    },
  };
}

/** Samples one at a time after ONE_AT_A_TIME_WARM_UP unmeasured: each one's ms. */
export const ONE_AT_A_TIME_WARM_UP = 20;
async function oneAtATime(samples: number, once: (index: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let index = -ONE_AT_A_TIME_WARM_UP; index < samples; index++) {
    const started = now();
    await once(index);
    if (index >= 0) times.push(now() - started);
  }
  return times;
}

const { FlowProducer, Queue, QueueEvents, Worker: BullWorker } = await loadBullmq();

export function bullmqEngine(url: string, concurrency: number): Engine {
  const queueName = `bench-${randomUUID()}`;
  // BullMQ does not close connections it is handed: keep them to quit in stop().
  const connections: Redis[] = [];
  const connect = (): Redis => {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    connections.push(connection);
    return connection;
  };
  const flows = new FlowProducer({ connection: connect() });
  const queue = new Queue(queueName, { connection: connect() });
  flows.setMaxListeners(0); // 1,000 concurrent adds each listen for 'closing'
  const events = new QueueEvents(queueName, { connection: connect() });
  let worker: InstanceType<typeof BullWorker> | null = null;
  const noop = (index: number): FlowJob => ({ name: 'noop', queueName, data: { value: index } });
  const timed = async (flow: FlowJob): Promise<[number, number]> => {
    const started = now();
    const tree = await flows.add(flow);
    const submitted = now();
    await tree.job.waitUntilFinished(events, 600_000);
    return [submitted - started, now() - started];
  };
  const nested = (length: number): FlowJob => {
    let flow: FlowJob = { name: 'step', queueName, data: { value: 0 } };
    for (let index = 1; index < length; index++) flow = { name: 'step', queueName, data: {}, children: [flow] };
    return flow;
  };
  return {
    name: 'bullmq',
    start: async () => {
      worker = new BullWorker(
        queueName,
        async (job) => {
          if (job.name === 'noop') return (job.data as { value: number }).value;
          if (job.name === 'list') {
            // The list is made here; its fan-out is added as a flow, and this job waits for it.
            const { width } = job.data as { width: number };
            const tree = await flows.add({ name: 'sum', queueName, children: Array.from({ length: width }, (_, index) => noop(index)) });
            return tree.job.waitUntilFinished(events, 600_000);
          }
          const children = Object.values(await job.getChildrenValues<number>());
          if (job.name === 'sum') return children.reduce((a, b) => a + b, 0);
          return (children[0] ?? (job.data as { value?: number }).value ?? 0) + 1;
        },
        { connection: connect(), concurrency },
      );
      await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
    },
    warmUp: async (withWorker) => {
      const tree = await flows.add({ name: 'noop', queueName, data: { value: 0 } });
      if (withWorker) await tree.job.waitUntilFinished(events, 60_000);
    },
    fanOut: (width) => timed({ name: 'sum', queueName, children: Array.from({ length: width }, (_, index) => noop(index)) }),
    mapFanOut: (width) => timed({ name: 'list', queueName, data: { width } }),
    chain: (length) => timed(nested(length)),
    mixed: (n) => {
      const perItem = (index: number): FlowJob => ({
        name: 'step',
        queueName,
        data: {},
        children: [{ name: 'step', queueName, data: {}, children: [{ name: 'step', queueName, data: { value: index } }] }],
      });
      const merge: FlowJob = { name: 'sum', queueName, data: {}, children: Array.from({ length: n }, (_, index) => perItem(index)) };
      return timed({
        name: 'sum',
        queueName,
        data: {},
        children: [
          { name: 'step', queueName, data: {}, children: [merge] },
          { name: 'step', queueName, data: { value: 0 } },
          { name: 'step', queueName, data: { value: 0 } },
        ],
      });
    },
    smallRuns: async (count) => {
      const started = now();
      const trees = await Promise.all(
        Array.from({ length: count }, (_, index) =>
          flows.add({ name: 'sum', queueName, children: [{ name: 'step', queueName, data: {}, children: [noop(index)] }, noop(index)] }),
        ),
      );
      await Promise.all(trees.map((tree) => tree.job.waitUntilFinished(events, 600_000)));
      return now() - started;
    },
    submitOnly: async (width) => {
      const started = now();
      await flows.add({ name: 'sum', queueName, children: Array.from({ length: width }, (_, index) => noop(index)) });
      return now() - started;
    },
    oneAtATime: (shape, samples) =>
      oneAtATime(samples, async (index) => {
        const job =
          shape === 'task'
            ? await queue.add('noop', { value: index })
            : (await flows.add({ name: 'sum', queueName, children: [{ name: 'step', queueName, data: {}, children: [noop(index)] }, noop(index)] })).job;
        await job.waitUntilFinished(events, 60_000);
      }),
    request: async (index) => {
      const { job } = await flows.add({ name: 'sum', queueName, children: [{ name: 'step', queueName, data: {}, children: [noop(index)] }, noop(index)] });
      return job.waitUntilFinished(events, 60_000);
    },
    stop: async () => {
      await worker?.close();
      await events.close();
      await flows.close();
      await queue.close();
      await Promise.all(connections.map((connection) => connection.quit().catch(() => connection.disconnect())));
    },
  };
}
