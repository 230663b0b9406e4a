import { describe, expect, it } from 'vitest';
import { chain, ResultTimeoutError, RunNotFoundError } from '../../src/index.js';
import { useApps, useNodes } from '../helpers/apps.js';
import { freePort } from '../helpers/redis-server.js';
import { createApp } from '../../src/index.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('run.result() and run.inspect()', () => {
  const makeApp = useApps();
  const nodes = useNodes();

  it('answers at once for a run that finished before result() was called, from another app instance', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(chain(add.s(1, 2), add.s(3)), { name: 'early' });
    await run.result({ timeoutMs: 10_000 });
    const elsewhere = makeApp({ prefix: app.config.prefix });
    expect(await elsewhere.getRun<number>(run.id).result({ timeoutMs: 1000 })).toBe(6);
    const inspection = await elsewhere.getRun(run.id).inspect();
    expect(inspection).toMatchObject({ id: run.id, name: 'early', status: 'succeeded' });
    expect(inspection.nodes.map((node) => ({ id: node.id, task: node.task, status: node.status, attempts: node.attempts }))).toEqual([
      { id: '0', task: 'add', status: 'succeeded', attempts: 1 },
      { id: '1', task: 'add', status: 'succeeded', attempts: 1 },
    ]);
    for (const node of inspection.nodes) {
      expect(node.startedAt!.getTime()).toBeLessThanOrEqual(node.finishedAt!.getTime());
    }
  });

  it('still answers when its pub/sub connection was killed while it waited', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(add.s(20, 22));
    const waiting = run.result({ timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Kill the subscriber: the finish is published while it is disconnected and is lost.
    // On a cluster the subscriber is on one of the nodes: kill it where it is.
    let killed = 0;
    for (const node of nodes()) {
      const list = String(await node.client('LIST'));
      const subscriber = list.split('\n').find((line) => line.includes(`name=celeriac:${app.config.prefix}:events`));
      const id = /\bid=(\d+)/.exec(subscriber ?? '')?.[1];
      if (id !== undefined) killed += Number(await node.client('KILL', 'ID', id));
    }
    expect(killed).toBe(1);
    const worker = app.worker();
    await worker.start();
    expect(await waiting).toBe(42);
  });

  it('times out with a typed error while the run goes on', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(add.s(1, 1));
    const error = await run.result({ timeoutMs: 50 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResultTimeoutError);
    expect((await run.inspect()).status).toBe('running');
  });

  it('an unknown run id is a RunNotFoundError for result() and inspect()', async () => {
    const app = makeApp();
    await expect(app.getRun('nope').result()).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(app.getRun('nope').inspect()).rejects.toThrow('run nope does not exist');
  });

  it('many waiters on one run share one subscription and all get the value', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(add.s(2, 3));
    const waiters = Array.from({ length: 20 }, () => app.getRun<number>(run.id).result({ timeoutMs: 10_000 }));
    await app.worker().start();
    expect(await Promise.all(waiters)).toEqual(Array.from({ length: 20 }, () => 5));
  });

  it('waiters on many runs at once, before the shared subscriber exists, all get their values', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const runs = await Promise.all(Array.from({ length: 10 }, (_, index) => app.submit(add.s(index, 100))));
    const waiter = makeApp({ prefix: app.config.prefix }); // fresh app: no subscriber yet
    const results = Promise.all(runs.map((run) => waiter.getRun<number>(run.id).result({ timeoutMs: 10_000 })));
    await app.worker().start();
    expect(await results).toEqual(Array.from({ length: 10 }, (_, index) => index + 100));
  });

  it('keeps its time limit when Redis cannot be reached, and the app still closes', async () => {
    const port = await freePort(); // nothing listens there
    const app = createApp({ redis: `redis://127.0.0.1:${port}`, prefix: 'unreachable' });
    const error = await app.getRun('any').result({ timeoutMs: 200 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResultTimeoutError);
    await app.close();
  });
});
