import type { RedisClient } from '../../src/store/redis-client.js';
import { describe, expect, it } from 'vitest';
import { type App, chain, ConfigError } from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

/** Redis's clock, which the scripts compare etas with. */
async function redisNow(redis: RedisClient): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

async function delayedScore(redis: RedisClient, app: App, runId: string, nodeId: string): Promise<number | null> {
  const score = await redis.zscore(app.keys.forRun(runId).queue('default').delayed, `${runId}|${nodeId}|1|0`);
  return score === null ? null : Number(score);
}

describe('absolute times: .set({ eta }) and submit({ startAt })', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a root with an eta ahead waits in the delayed set until it, and starts no earlier', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const eta = new Date((await redisNow(redis())) + 300);
    const run = await app.submit(add.s(1, 2).set({ eta }));
    expect(await delayedScore(redis(), app, run.id, '0')).toBe(eta.getTime());
    expect((await run.inspect()).nodes[0]?.status).toBe('delayed');
    await app.worker().start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    expect((await run.inspect()).nodes[0]?.startedAt?.getTime()).toBeGreaterThanOrEqual(eta.getTime());
  });

  it('an eta as an ISO string is the same instant as the Date; one in the past runs at once', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const at = (await redisNow(redis())) + 60 * 60 * 1000;
    const iso = new Date(at).toISOString().replace('Z', '+00:00');
    const later = await app.submit(add.s(1, 1).set({ eta: iso }));
    expect(await delayedScore(redis(), app, later.id, '0')).toBe(at);
    const past = await app.submit(add.s(2, 2).set({ eta: '2001-01-01T00:00:00Z' }));
    expect(await delayedScore(redis(), app, past.id, '0')).toBeNull();
    await app.worker().start();
    expect(await past.result({ timeoutMs: 10_000 })).toBe(4);
    await later.cancel();
  });

  it('a chain step with an eta is held when it becomes ready (not taken next by the worker)', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.worker().start();
    const eta = (await redisNow(redis())) + 60 * 60 * 1000;
    const run = await app.submit(chain(add.s(1, 1), add.s(10).set({ eta: new Date(eta) })));
    await expect.poll(async () => (await run.inspect()).nodes.map((node) => node.status)).toEqual(['succeeded', 'delayed']);
    expect(await delayedScore(redis(), app, run.id, '1')).toBe(eta);
    await run.cancel();
  });

  it('startAt holds every root of the run (the later of it and a root own eta)', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const now = await redisNow(redis());
    const startAt = new Date(now + 60 * 60 * 1000);
    const ownEta = new Date(now + 2 * 60 * 60 * 1000);
    const run = await app.submit(chain(add.s(1, 1), add.s(2)), { startAt: startAt.toISOString() });
    const other = await app.submit(add.s(1, 1).set({ eta: ownEta }), { startAt });
    expect(await delayedScore(redis(), app, run.id, '0')).toBe(startAt.getTime());
    expect(await delayedScore(redis(), app, other.id, '0')).toBe(ownEta.getTime());
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['delayed', 'pending']);
    const started = await app.submit(add.s(3, 4), { startAt: new Date(now - 1000) });
    await app.worker().start();
    expect(await started.result({ timeoutMs: 10_000 })).toBe(7);
    await run.cancel();
    await other.cancel();
  });

  it('a bad date is a ConfigError naming the node, and nothing is written', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const refusal = (promise: Promise<unknown>) => promise.then(() => null, (caught: unknown) => caught);
    const bad = await refusal(app.submit(chain(add.s(1, 1), add.s(2).set({ eta: 'tomorrow at nine' }))));
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as Error).message).toBe(
      'chain[1] > add eta: "tomorrow at nine" is not an ISO 8601 date-time with an offset (e.g. 2026-12-07T09:00:00Z)',
    );
    const local = await refusal(app.submit(add.s(1, 1).set({ eta: '2026-12-07T09:00:00' })));
    expect((local as Error).message).toMatch(/^add eta: .*not an ISO 8601 date-time with an offset/);
    const invalid = await refusal(app.submit(add.s(1, 1).set({ eta: new Date('nope') })));
    expect((invalid as Error).message).toBe('add eta: is an invalid Date');
    const startAt = await refusal(app.submit(add.s(1, 1), { startAt: 'soon' }));
    expect((startAt as Error).message).toMatch(/^submit\(\): options\.startAt: "soon" is not an ISO 8601/);
    expect(() => add.s(1, 1).set({ eta: 5 as never })).toThrow(/add\.set\(\)\.eta: must be a Date or an ISO 8601 string/);
    expect(await keysOf(redis(), app)).toEqual([]);
  });
});
