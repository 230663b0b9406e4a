import { describe, expect, it } from 'vitest';
import { chain, ConfigError, group, RunExpiredError, RunNotFoundError } from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('retention', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a finished run expires with every key it had, and inspect() then says it expired', async () => {
    const app = makeApp({ retention: { succeededMs: 300, failedMs: 60_000, cancelledMs: 300 } });
    const { add } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(chain(add.s(1, 2), add.s(3)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(6);
    const inspection = await run.inspect();
    expect(inspection.expiresAt!.getTime() - inspection.finishedAt!.getTime()).toBe(300);
    const runKeys = `{${app.config.prefix}}:run:${run.id}*`;
    expect((await redis().keys(runKeys)).sort()).toHaveLength(4); // meta, nodes, specs, results
    for (const key of await redis().keys(runKeys)) expect(await redis().pttl(key)).toBeGreaterThan(0);

    let left = await redis().keys(runKeys);
    for (let attempt = 0; attempt < 200 && left.length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = await redis().keys(runKeys);
    }
    expect(left).toEqual([]);
    await expect(run.inspect()).rejects.toBeInstanceOf(RunExpiredError);
    await expect(run.result()).rejects.toThrow(`run ${run.id} expired at`);
    await expect(app.getRun('never-was').inspect()).rejects.toBeInstanceOf(RunNotFoundError);
    // The index entries go too (pruned by listRuns, and by workers every minute).
    expect((await app.listRuns()).runs.map((listed) => listed.id)).not.toContain(run.id);
    expect(await redis().zcard(`{${app.config.prefix}}:runs`)).toBe(0);
  });

  it('failed runs are kept longer, and a key created after the finish expires with the run', async () => {
    const app = makeApp({ retention: { succeededMs: 1000, failedMs: 600_000, cancelledMs: 1000 } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task({ name: 'slow' }, async () => {
      await gate;
      return 'late';
    });
    const boom = app.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    await app.worker({ concurrency: 2 }).start();
    const run = await app.submit(group(slow.si(), boom.si()));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('boom');
    const results = `{${app.config.prefix}}:run:${run.id}:results`;
    expect(await redis().exists(results)).toBe(0); // nothing succeeded before the failure
    release();
    while ((await redis().exists(results)) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const meta = await redis().pttl(`{${app.config.prefix}}:run:${run.id}`);
    expect(meta).toBeGreaterThan(590_000);
    const late = await redis().pttl(results);
    expect(late).toBeGreaterThan(590_000);
    expect(Math.abs(late - meta)).toBeLessThan(1000);
  });

  it('resume keeps a run from expiring', async () => {
    const app = makeApp({ retention: { succeededMs: 60_000, failedMs: 60_000, cancelledMs: 60_000 } });
    const { add } = canvasTasks(app);
    const run = await app.submit(add.si(1, 1));
    await run.cancel();
    expect(await redis().pttl(`{${app.config.prefix}}:run:${run.id}`)).toBeGreaterThan(0);
    await run.resume();
    expect(await redis().pttl(`{${app.config.prefix}}:run:${run.id}`)).toBe(-1);
    expect((await run.inspect()).expiresAt).toBeUndefined();
  });
});

describe('listRuns', () => {
  const makeApp = useApps();

  it('pages newest first through all runs or one status, from the index', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const boom = app.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) {
      const run = await app.submit(index % 3 === 0 ? boom.si() : add.si(index, 0), { name: `run ${index}` });
      ids.push(run.id);
      await new Promise((resolve) => setTimeout(resolve, 2)); // distinct creation times
    }
    await app.worker().start();
    await Promise.all(ids.map((id) => app.getRun(id).result({ timeoutMs: 10_000 }).catch(() => undefined)));

    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await app.listRuns({ limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.runs.map((run) => run.id));
      if (!page.cursor) break;
      cursor = page.cursor;
    }
    expect(seen).toEqual([...ids].reverse());

    const failed = await app.listRuns({ status: 'failed' });
    expect(failed.runs.map((run) => run.name)).toEqual(['run 6', 'run 3', 'run 0']);
    expect(failed.runs[0]).toMatchObject({ status: 'failed', nodeCount: 1, unfinished: 0 });
    expect((await app.listRuns({ status: 'succeeded' })).runs).toHaveLength(4);
    expect((await app.listRuns({ status: 'running' })).runs).toHaveLength(0);
    await expect(app.listRuns({ limit: 0 })).rejects.toBeInstanceOf(ConfigError);
  });
});
