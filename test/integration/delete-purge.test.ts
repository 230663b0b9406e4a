import type { RedisClient } from '../../src/store/redis-client.js';
import { describe, expect, it } from 'vitest';
import { type App, ConfigError, group, RunActiveError, RunNotFoundError, WorkflowFailedError } from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

/** Every key, index entry and queue message that names the run. */
async function traces(redis: RedisClient, app: App, runId: string): Promise<string[]> {
  const found: string[] = [];
  for (const key of await keysOf(redis, app)) {
    if (key.includes(runId)) found.push(key);
    if ((await redis.type(key)) !== 'zset') continue;
    for (const member of await redis.zrange(key, 0, -1)) if (member.includes(runId)) found.push(`${key} ${member}`);
  }
  return found;
}

describe('deleting and purging runs', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('run.delete() removes a finished run: keys, index entries and tombstone; it then reads as never submitted', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.worker().start();
    const kept = await app.submit(add.s(1, 1));
    const run = await app.submit(add.s(2, 2));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(4);
    expect(await kept.result({ timeoutMs: 10_000 })).toBe(2);
    expect((await traces(redis(), app, run.id)).length).toBeGreaterThan(0);

    expect(await run.delete()).toEqual({ status: 'succeeded' });
    expect(await traces(redis(), app, run.id)).toEqual([]);
    await expect(run.inspect()).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(run.result()).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(run.delete()).rejects.toBeInstanceOf(RunNotFoundError);
    expect((await app.listRuns()).runs.map((summary) => summary.id)).toEqual([kept.id]);
    expect(await kept.result()).toBe(2);
  });

  it('a running run refuses deletion with RunActiveError and is left as it was', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(add.s(1, 1)); // no worker: it stays queued
    const before = await traces(redis(), app, run.id);
    const error = await run.delete().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunActiveError);
    expect(error).toMatchObject({ code: 'RUN_ACTIVE', runId: run.id });
    expect(await traces(redis(), app, run.id)).toEqual(before);
    expect((await run.progress()).status).toBe('running');
    await expect(run.delete({ force: 'yes' as never })).rejects.toBeInstanceOf(ConfigError);
  });

  it('force: queued messages are withdrawn, and a worker holding an attempt neither crashes nor writes the run again', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    let ended = false;
    const hold = app.task({ name: 'hold' }, async (value: number) => {
      started();
      // Ignores its AbortSignal on purpose: its late result must change nothing.
      await gate;
      ended = true;
      return value;
    });
    const worker = app.worker({ concurrency: 1 });
    await worker.start();
    const run = await app.submit(group(hold.si(1), hold.si(2), hold.si(3)));
    await holding;
    expect(await run.delete({ force: true })).toEqual({ status: 'running' });
    expect(await traces(redis(), app, run.id)).toEqual([]);
    release();
    await expect.poll(() => ended).toBe(true);
    // The worker carries on with other runs, and the deleted run's keys never come back.
    const next = await app.submit(add.s(20, 22));
    expect(await next.result({ timeoutMs: 10_000 })).toBe(42);
    expect(await traces(redis(), app, run.id)).toEqual([]);
    expect((await app.deadLetters()).total).toBe(0);
  });

  it('a failed run whose independent branch is still running is deleted, and the branch late result writes nothing', async () => {
    const app = makeApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let ended = false;
    let slowStarted = false;
    const slow = app.task({ name: 'slow' }, async () => {
      slowStarted = true;
      await gate;
      ended = true;
      return 1;
    });
    const boom = app.task({ name: 'boom' }, async () => {
      // Fails once the slow branch is surely running.
      while (!slowStarted) await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error('boom');
    });
    const worker = app.worker({ concurrency: 2 });
    await worker.start();
    const run = await app.submit(group(slow.si(), boom.si()));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await run.delete()).toEqual({ status: 'failed' });
    release();
    await expect.poll(() => ended).toBe(true);
    const { add } = canvasTasks(app);
    expect(await (await app.submit(add.s(1, 2))).result({ timeoutMs: 10_000 })).toBe(3);
    expect(await traces(redis(), app, run.id)).toEqual([]);
  });

  it('purgeRuns: finished runs only unless forced, by status and age, with a dry run', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const fail = app.task({ name: 'fail' }, async () => {
      throw new Error('no');
    });
    await app.worker().start();
    const succeeded = [await app.submit(add.s(1, 1)), await app.submit(add.s(2, 2))];
    const failed = await app.submit(fail.si());
    for (const run of succeeded) await run.result({ timeoutMs: 10_000 });
    await expect(failed.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await settled(failed);
    const running = await app.submit(app.signature('nobody-runs-this', [], { queue: 'elsewhere' }));

    const dry = await app.purgeRuns({ dryRun: true });
    expect(dry).toEqual({ dryRun: true, runIds: expect.arrayContaining([...succeeded.map((run) => run.id), failed.id]) as unknown });
    expect(dry.runIds).toHaveLength(3);
    expect((await app.listRuns()).runs).toHaveLength(4);

    expect(await app.purgeRuns({ status: 'failed' })).toEqual({ dryRun: false, runIds: [failed.id] });
    expect(await app.purgeRuns({ olderThanMs: 60 * 60 * 1000 })).toEqual({ dryRun: false, runIds: [] });
    expect(await app.purgeRuns({ olderThanMs: 0 })).toEqual({ dryRun: false, runIds: succeeded.map((run) => run.id) });
    expect((await app.listRuns()).runs.map((summary) => summary.id)).toEqual([running.id]);

    expect(() => app.purgeRuns({ status: 'running' })).toThrow(ConfigError);
    expect(() => app.purgeRuns({ olderThanMs: -1 })).toThrow(/olderThanMs/);
    expect(await app.purgeRuns({ force: true })).toEqual({ dryRun: false, runIds: [running.id] });
    expect(await keysOf(redis(), app)).not.toContainEqual(expect.stringContaining(':run:'));
  });
});
