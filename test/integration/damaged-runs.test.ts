import { describe, expect, it } from 'vitest';
import { chain, group, RunDamagedError } from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';

describe('damaged state is refused, never answered wrongly', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('result() of a succeeded run whose results are gone rejects with RunDamagedError instead of resolving null', async () => {
    const app = makeApp();
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    await app.worker().start();
    const run = await app.submit(chain(add.si(1, 1), add.s(1)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    await redis().del(app.keys.run(run.id).results);
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunDamagedError);
    expect(error).toMatchObject({ code: 'RUN_DAMAGED', runId: run.id });
    expect((error as Error).message).toContain('node #1');
  });

  it('a start whose stored spec does not read is reported to onError as RunDamagedError naming the run and node, and the node fails once its leases run out', async () => {
    const app = makeApp({ visibilityTimeoutMs: 200, maxLeaseExpiries: 1 });
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const run = await app.submit(add.si(1, 1));
    // A task name that is not a string: valid JSON, so the start script passes it on as it is.
    await redis().hset(app.keys.run(run.id).specs, '0', '["",0,7,[1,1]]');
    const errors: unknown[] = [];
    const worker = app.worker({ onError: (error) => errors.push(error) });
    await worker.start();
    // Started in Redis, never run: redelivered as its lease expires, then failed for good.
    const failure = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    await worker.close();
    // The run failed; its failure names a task read from the same spec, so it is reported as damage too.
    expect(failure).toBeInstanceOf(RunDamagedError);
    expect(await run.progress()).toMatchObject({ status: 'failed', counts: { failed: 1 } });
    await expect(run.inspect()).rejects.toBeInstanceOf(RunDamagedError);
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors[0]).toBeInstanceOf(RunDamagedError);
    expect(errors[0]).toMatchObject({ code: 'RUN_DAMAGED', runId: run.id });
    expect((errors[0] as Error).message).toContain('node 0 cannot be started: stored spec is malformed: its task is not a string');
  });

  it('the repair sweep reports a run whose specs are gone as damaged and goes on to repair the runs after it', async () => {
    const app = makeApp();
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const broken = await app.submit(add.si(1, 1));
    const orphaned = await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), add.si(0, 0)));
    const client = redis();
    // The first run loses its specs and its one message: repairing it needs the spec it lost.
    await client.del(app.keys.run(broken.id).specs);
    expect(await client.zrem(app.keys.shards[0]!.queue('default').ready, `${broken.id}|0|1|0`)).toBe(1);
    // The later run loses one root's message, as a restored snapshot might.
    expect(await client.zrem(app.keys.shards[0]!.queue('default').ready, `${orphaned.id}|1|1|0`)).toBe(1);

    const report = await app.repair();
    expect(report.damaged).toHaveLength(1);
    expect(report.damaged[0]).toMatchObject({ runId: broken.id, reason: '1 of its 1 node specs are missing' });
    expect(report.damaged[0]!.error).toBeInstanceOf(RunDamagedError);
    expect(report.repaired).toEqual([{ runId: orphaned.id, nodeId: '1', status: 'queued' }]);
  });
});
