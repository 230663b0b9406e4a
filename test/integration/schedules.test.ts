import { describe, expect, it } from 'vitest';
import { type App, chain, ConfigError, ScheduleNotFoundError, Signature, UnknownTaskError } from '../../src/index.js';
import { claimTick } from '../../src/store/scripts/claim-tick.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { tickRunId } from '../../src/schedule/tick-run-id.js';
import { keysOf, testTarget, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';
import { celeriac, cliApp } from '../helpers/cli.js';

/** The app's keys but the one every connection writes (the shard count, `{p}:meta`). */
async function written(client: RedisClient, app: App): Promise<string[]> {
  return (await keysOf(client, app)).filter((key) => !key.endsWith('}:meta'));
}

/** The runs of a schedule's ticks that exist, by tick. */
async function runsOfTicks(app: App, id: string, ticks: readonly number[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const tick of ticks) {
    const progress = await app.getRun(tickRunId(id, tick)).progress().catch(() => null);
    if (progress) found.set(tick, progress.status);
  }
  return found;
}

describe('schedules: stored in Redis, each tick fired once by any number of schedulers', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('upsert checks the definition and the canvas, writes nothing when refused, and get/list show the next fire', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const client = redis();
    await expect(app.schedules.upsert('nightly', { cron: '61 * * * *', canvas: add.si(1, 2) })).rejects.toThrow(ConfigError);
    await expect(app.schedules.upsert('nightly', { cron: '0 2 * * *', timezone: 'Mars/Olympus', canvas: add.si(1, 2) })).rejects.toThrow(/IANA time zone/);
    await expect(app.schedules.upsert('nightly', { every: 1000, cron: '* * * * *', canvas: add.si(1, 2) })).rejects.toThrow(/exactly one of cron, every or at/);
    await expect(app.schedules.upsert('nightly', { cron: '0 2 * * *', canvas: app.signature('nobody.knows', [], {}) as never })).resolves.toBeDefined();
    await app.schedules.delete('nightly');
    await expect(app.schedules.upsert('bad|id', { every: 1000, canvas: add.si(1, 2) })).rejects.toThrow(/schedule id/);
    await expect(app.schedules.upsert('nightly', { every: 50, canvas: add.si(1, 2) })).rejects.toThrow(/at least 100/);
    await expect(app.schedules.upsert('once', { at: new Date(Date.now() - 120_000), canvas: add.si(1, 2) })).rejects.toThrow(/more than catchUpWindowMs ago: it would never fire/);
    expect(await written(client, app)).toEqual([]);

    const before = Date.now();
    const info = await app.schedules.upsert('nightly', { cron: '0 2 * * *', timezone: 'Europe/Paris', canvas: chain(add.si(1, 2), add.s(3)) });
    expect(info).toMatchObject({ id: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Paris', overlap: 'skip', catchUpWindowMs: 60_000, paused: false, missed: 0, lastFires: [] });
    expect(info.nextFireAt!.getTime()).toBeGreaterThan(before);
    expect(info.nextFireAt!.toLocaleString('sv-SE', { timeZone: 'Europe/Paris' })).toMatch(/ 02:00:00$/);
    await app.schedules.upsert('every-second', { every: 1000, canvas: add.si(1, 1), paused: true });
    // A one-off a little in the past is due at once (it fires late, within the catch-up window).
    const late = Date.now() - 5000;
    expect((await app.schedules.upsert('once', { at: new Date(late), canvas: add.si(1, 2) })).nextFireAt?.getTime()).toBe(late);
    await app.schedules.delete('once');
    expect((await app.schedules.list()).map((schedule) => [schedule.id, schedule.paused, schedule.nextFireAt === null])).toEqual([
      ['every-second', true, true],
      ['nightly', false, false],
    ]);
    await expect(app.schedules.get('nope')).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect(await app.schedules.delete('nightly')).toBe(true);
    expect(await app.schedules.delete('nightly')).toBe(false);
    await expect(app.schedules.trigger('nightly')).rejects.toBeInstanceOf(ScheduleNotFoundError);
  });

  it('a canvas naming a task the app does not know is refused at upsert (UnknownTaskError), and one made from a task elsewhere is not', async () => {
    const app = makeApp();
    const client = redis();
    const foreign = new Signature('elsewhere', [], true, {}, false);
    await expect(app.schedules.upsert('x', { every: 1000, canvas: foreign })).rejects.toBeInstanceOf(UnknownTaskError);
    expect(await written(client, app)).toEqual([]);
    // A task's signature carries its contract: a producer without the handler can schedule it.
    const { add } = canvasTasks(makeApp({ prefix: app.config.prefix }));
    await expect(app.schedules.upsert('y', { every: 1000, canvas: add.si(1, 2) })).resolves.toMatchObject({ id: 'y', every: 1000 });
  });

  it('fireDue, at chosen instants: each due tick claimed once, its run started once, ticks past the catch-up window counted as missed', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const start = Date.parse('2030-01-01T00:00:00Z');
    // overlap 'allow': no worker runs the runs here, and 'skip' would wait for each to finish.
    await app.schedules.upsert('every', { every: 1000, startAt: new Date(start), catchUpWindowMs: 2500, overlap: 'allow', canvas: add.si(20, 22) });
    const other = makeApp({ prefix: app.config.prefix });
    // Two schedulers pass at the same instant: the tick starts one run.
    const passes = await Promise.all([app.schedules.fireDue(start), other.schedules.fireDue(start)]);
    expect(passes.map((pass) => pass.fired).sort()).toEqual([0, 1]);
    expect((await app.schedules.get('every')).lastFires.map((fire) => fire.tick.getTime())).toEqual([start]);
    // 10 s later: ticks 1..7 s are older than the 2.5 s window (missed), 8 s fires; 9 s and 10 s at the next passes.
    expect((await app.schedules.fireDue(start + 10_000)).fired).toBe(1);
    let info = await app.schedules.get('every');
    expect(info.missed).toBe(7);
    expect(info.lastFires.map((fire) => fire.tick.getTime() - start)).toEqual([8000, 0]);
    await app.schedules.fireDue(start + 10_000);
    await app.schedules.fireDue(start + 10_000);
    expect((await app.schedules.fireDue(start + 10_000)).fired).toBe(0);
    info = await app.schedules.get('every');
    expect(info.lastFires.map((fire) => fire.tick.getTime() - start)).toEqual([10_000, 9000, 8000, 0]);
    expect(info.nextFireAt?.getTime()).toBe(start + 11_000);
    const runs = await runsOfTicks(app, 'every', [0, 8000, 9000, 10_000].map((offset) => start + offset));
    expect(runs.size).toBe(4);
    // The run of a tick carries the stored canvas; a worker runs it.
    await app.worker({ scheduler: false }).start();
    expect(await app.getRun(tickRunId('every', start)).result({ timeoutMs: 10_000 })).toBe(42);
  });

  it('a fire claimed by a process that died before submitting is submitted by the next pass after a few seconds', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const start = Date.parse('2030-01-01T00:00:00Z');
    await app.schedules.upsert('lost', { every: 60_000, startAt: new Date(start), canvas: add.si(1, 1) });
    const runId = tickRunId('lost', start);
    // The claim alone, as a scheduler killed right after it would leave it.
    await claimTick.run(app.redis, { keys: app.keys, id: 'lost', expected: start, next: { tick: start + 60_000, due: start + 60_000 }, fire: { tick: start, runId }, missed: 0, skipped: 0, now: Date.now() });
    await expect(app.getRun(runId).progress()).rejects.toThrow();
    // A pass right after: the fire is young, its claimer may still be submitting it.
    await app.schedules.fireDue(Date.now());
    await expect(app.getRun(runId).progress()).rejects.toThrow();
    // A pass more than 5 s after the claim submits it.
    await app.schedules.fireDue(Date.now() + 6000);
    expect((await app.getRun(runId).progress()).status).toBe('running');
    expect(await app.redis.zcard(app.keys.schedules.firing)).toBe(0);
  });

  it('overlap: skip leaves a tick out while the previous run runs, allow starts it, cancelPrevious cancels the previous', async () => {
    const app = makeApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      await gate;
      return value;
    });
    await app.worker({ concurrency: 8, scheduler: false }).start();
    const start = Date.parse('2030-01-01T00:00:00Z');
    for (const overlap of ['skip', 'allow', 'cancelPrevious'] as const) {
      await app.schedules.upsert(overlap, { every: 1000, startAt: new Date(start), catchUpWindowMs: 60_000, overlap, canvas: slow.si(1) });
      await app.schedules.fireDue(start);
      while ((await app.getRun(tickRunId(overlap, start)).progress()).counts.running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await app.schedules.fireDue(start + 1000);
    }
    const second = start + 1000;
    expect((await app.schedules.get('skip')).skipped).toBe(1);
    expect((await runsOfTicks(app, 'skip', [second])).size).toBe(0);
    expect((await runsOfTicks(app, 'allow', [start, second])).size).toBe(2);
    expect((await runsOfTicks(app, 'cancelPrevious', [start])).get(start)).toBe('cancelled');
    expect((await runsOfTicks(app, 'cancelPrevious', [second])).size).toBe(1);
    release();
  });

  it('pause fires nothing and counts nothing missed; resume goes on from the next tick; trigger fires now; backfill fires a range once', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const start = Date.parse('2030-01-01T00:00:00Z');
    await app.schedules.upsert('p', { every: 1000, startAt: new Date(start), canvas: add.si(2, 2) });
    await app.schedules.pause('p');
    expect((await app.schedules.fireDue(start + 5000)).fired).toBe(0);
    expect((await app.schedules.get('p')).nextFireAt).toBeNull();
    const resumed = await app.schedules.resume('p');
    expect(resumed.missed).toBe(0);
    // Resumed from now (the real clock): its next tick is the first after it.
    expect(resumed.nextFireAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    const triggered = await app.schedules.trigger('p');
    expect(triggered).not.toBeNull();
    expect((await app.getRun(triggered!).progress()).status).toBe('running');
    const filled = await app.schedules.backfill('p', { from: new Date(start), to: new Date(start + 2000) });
    expect(filled).toEqual([0, 1000, 2000].map((offset) => tickRunId('p', start + offset)));
    // Again: the same runs, none new.
    expect(await app.schedules.backfill('p', { from: new Date(start), to: new Date(start + 2000) })).toEqual(filled);
    expect((await app.listRuns({ limit: 100 })).runs.filter((run) => run.name === 'schedule:p')).toHaveLength(4);
  });

  it('three workers fire an every-200 ms schedule for 2 s: every tick in between started exactly one run', async () => {
    const apps = [makeApp()];
    for (let index = 0; index < 2; index++) apps.push(makeApp({ prefix: apps[0]!.config.prefix }));
    for (const app of apps) {
      canvasTasks(app);
      await app.worker({ concurrency: 4 }).start();
    }
    const { add } = canvasTasks(makeApp({ prefix: apps[0]!.config.prefix }));
    // overlap 'allow': the test is about firing, and a run still going when the next tick comes must not leave a gap.
    await apps[0]!.schedules.upsert('fast', { every: 200, overlap: 'allow', canvas: add.si(1, 1) });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await apps[0]!.schedules.pause('fast');
    const info = await apps[0]!.schedules.get('fast');
    const fired = info.lastFires.map((fire) => fire.tick.getTime()).sort((a, b) => a - b);
    expect(fired.length).toBeGreaterThanOrEqual(5);
    // Consecutive ticks, none left out, none twice.
    for (let index = 1; index < fired.length; index++) expect(fired[index]! - fired[index - 1]!).toBe(200);
    expect(info.missed).toBe(0);
    const named = (await apps[0]!.listRuns({ limit: 1000 })).runs.filter((run) => run.name === 'schedule:fast');
    expect(info.skipped).toBe(0);
    expect(named.length).toBe(fired.length);
    expect(new Set(named.map((run) => run.id))).toEqual(new Set(fired.map((tick) => tickRunId('fast', tick))));
  });

  it('celeriac schedules list, get, trigger, pause, backfill and delete', async () => {
    const { app, add } = cliApp(makeApp());
    // The command line pointed at this suite's Redis: one server, or the cluster (npm test runs both).
    const target = testTarget();
    const at = [...(target.cluster ? ['--cluster', target.cluster.map(({ host, port }) => `${host}:${port}`).join(',')] : ['--redis', target.url]), '--prefix', app.config.prefix];
    const start = Date.parse('2030-01-01T00:00:00Z');
    await app.schedules.upsert('cli', { every: 60_000, startAt: new Date(start), overlap: 'allow', canvas: add.si(1, 1) });
    const listed = await celeriac(['schedules', 'list', ...at]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('cli  every 60,000 ms  next 2030-01-01 00:00:00Z  overlap allow  missed 0  skipped 0\n');
    const json = JSON.parse((await celeriac(['schedules', 'get', 'cli', '--json', ...at])).stdout) as { id: string; every: number };
    expect(json).toMatchObject({ id: 'cli', every: 60_000, paused: false });
    const triggered = await celeriac(['schedules', 'trigger', 'cli', ...at]);
    expect(triggered.stdout).toMatch(/^started run [0-9A-Z]{26}\n$/);
    expect((await celeriac(['schedules', 'pause', 'cli', ...at])).stdout).toMatch(/^cli {2}every 60,000 ms {2}paused {2}/);
    const filled = await celeriac(['schedules', 'backfill', 'cli', '--from', '2030-01-01T00:00:00Z', '--to', '2030-01-01T00:02:00Z', '--json', ...at]);
    expect(JSON.parse(filled.stdout)).toEqual([0, 60_000, 120_000].map((offset) => tickRunId('cli', start + offset)));
    const missing = await celeriac(['schedules', 'get', 'nope', ...at]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no schedule "nope"');
    expect((await celeriac(['schedules', 'delete', 'cli', ...at])).stdout).toBe('deleted cli\n');
    expect((await celeriac(['schedules', 'list', ...at])).stdout).toBe('no schedules\n');
  });
});
