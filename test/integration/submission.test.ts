import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chain, group, SubmitInterruptedError, type App, type AnyCanvas } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { KeySpace } from '../../src/store/keys.js';
import { commitRun, stageSpecs, type SubmitRequest } from '../../src/store/submission.js';
import { keysOf, redisUrl, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

/**
 * How submit writes a run: specs staged with plain HSETs into a hash of the submit's own, then
 * committed by submit-run, which renames them to the run's specs. The run appears whole or not
 * at all, and nothing of a refused submit stays behind.
 */
describe('submit stages specs, then commits the run', () => {
  const makeApp = useApps();
  const redis = useRedis();

  /** A submit request as app.submit builds it, for tasks called by name (no registry needed). */
  function requestFor(app: App, canvas: AnyCanvas, runId = randomUUID()): SubmitRequest {
    const plan = planSubmission(compileCanvas(canvas), {
      lookup: () => undefined,
      maxPayloadBytes: 1_000_000,
      maxCanvasNodes: 100_000,
      maxCanvasBytes: 100_000_000,
    });
    return { runId, name: 'staged', plan, retention: app.config.retention, storedTrace: '', eventsMaxLen: 0 };
  }

  it('a commit that finds its staged specs incomplete creates nothing, and the same submit can be sent again', async () => {
    const app = makeApp();
    const keys = new KeySpace(app.config.prefix);
    const remote = (value: number) => app.signature('remote', [value], { immutable: true });
    const request = requestFor(app, chain(group(remote(1), remote(2)), app.signature('join')));

    // As if Redis restarted between the staging writes and the commit, losing one of them.
    const staging = stageSpecs(app.redis, keys, request);
    await Promise.all(staging.writes);
    expect(await redis().hlen(staging.key)).toBe(3);
    await redis().hdel(staging.key, '1');
    const error = await commitRun(app.redis, keys, request, staging).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SubmitInterruptedError);
    expect(error).toMatchObject({ code: 'SUBMIT_INTERRUPTED', runId: request.runId, expected: 3, found: 2 });
    expect(await keysOf(redis(), app)).toEqual([]);

    // Nothing was created, so the same submit goes through.
    const retry = stageSpecs(app.redis, keys, request);
    expect(retry.key).not.toBe(staging.key);
    await commitRun(app.redis, keys, request, retry);
    const inspection = await app.getRun(request.runId).inspect();
    expect(inspection.nodes.map((node) => `${node.task}:${node.status}`)).toEqual(['remote:queued', 'remote:queued', 'join:pending']);
  });

  it('a staging write Redis refuses fails the submit with that refusal, and nothing is left', async () => {
    const admin = redis();
    const user = `no-hset-${randomUUID()}`;
    await admin.call('ACL', 'SETUSER', user, 'on', '>secret', '~*', '&*', '+@all', '-hset');
    try {
      const url = new URL(redisUrl());
      url.username = user;
      url.password = 'secret';
      const app = makeApp({ redis: url.toString() });
      const { add, tsum } = canvasTasks(app);
      // Wide enough to be staged (a small run's specs go in the commit itself).
      const canvas = chain(group(Array.from({ length: 40 }, (_, index) => add.si(index, 1))), tsum.s());
      await expect(app.submit(canvas)).rejects.toThrow("NOPERM this user has no permissions to run the 'hset' command");
      // Only the app's shard count, which its first call records.
      expect(await keysOf(admin, app)).toEqual([`{${app.config.prefix}}:meta`]);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  it('a wide run is staged in batches and committed whole: every spec, no staging hash, no expiry', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const width = 2_500; // three staging batches of up to 1,000
    const run = await app.submit(chain(group(Array.from({ length: width }, (_, index) => add.si(index, 1))), tsum.s()));
    const keys = new KeySpace(app.config.prefix);
    const specsKey = keys.run(run.id).specs;
    expect(await redis().hlen(specsKey)).toBe(width + 1);
    expect(await redis().hget(specsKey, '2499')).toBe('["2500",0,"add",[2499,1]]');
    // RENAME carries the staging hash's expiry over; the run's specs must not keep it.
    expect(await redis().pttl(specsKey)).toBe(-1);
    expect((await keysOf(redis(), app)).filter((key) => key.includes(':staging:'))).toEqual([]);
    expect((await app.queues({ names: ['default'] }))[0]?.ready).toBe(width);
    expect((await run.progress()).counts).toMatchObject({ queued: width, pending: 1 });
  });
});
