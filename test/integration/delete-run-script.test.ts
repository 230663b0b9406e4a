import { describe, expect, it } from 'vitest';
import { group, QueueKeysMissingError } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { deleteRun } from '../../src/store/scripts/delete-run.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

/** delete-run driven directly, checking its replies and the keys it leaves behind. */
describe('the delete-run script', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('refuses a running run and a missing one, and needs every queue of the run, writing nothing', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const keys = new KeySpace(app.config.prefix);
    const run = await app.submit(group(add.si(1, 1), add.si(2, 2).set({ queue: 'other' })));
    const before = await keysOf(redis(), app);
    const runKeys = keys.runScriptKeys(run.id);
    const call = (id: string, queues: string[]) => deleteRun.run(app.redis, { shard: keys.shards[0]!, runId: id, queues });
    await expect(call(run.id, ['default', 'other'])).rejects.toMatchObject({ code: 'RUN_ACTIVE', runId: run.id });
    await expect(call('no-such-run', [])).rejects.toMatchObject({ code: 'RUN_NOT_FOUND', runId: 'no-such-run' });
    await app.getRun(run.id).cancel();
    const cancelled = await keysOf(redis(), app);
    await expect(call(run.id, ['default'])).rejects.toMatchObject({ code: 'QUEUE_KEYS_MISSING', operation: 'delete-run', queue: 'other' });
    await expect(call(run.id, ['default'])).rejects.toBeInstanceOf(QueueKeysMissingError);
    expect(await keysOf(redis(), app)).toEqual(cancelled);
    expect(before).toContain(runKeys[0]);
  });

  it('deletes a finished run whose messages are still queued: keys, index entries, tombstone and messages go', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const keys = new KeySpace(app.config.prefix);
    const run = await app.submit(group(add.si(1, 1), add.si(2, 2)));
    const tag = `{${app.config.prefix}}`;
    // A failed run keeps a queued sibling's message (made by hand: the status set like failNodeForGood would).
    const member = await redis().hget(`${tag}:run:${run.id}`, 'indexMember');
    await redis().hset(`${tag}:run:${run.id}`, 'status', 'failed', 'expiresAt', '9999999999999');
    await redis().zrem(`${tag}:runs:status:running`, member!);
    await redis().zadd(`${tag}:runs:status:failed`, 0, member!);
    await redis().zadd(`${tag}:runs:expiry`, 9999999999999, member!);
    await redis().zadd(`${tag}:runs:expired`, 9999999999999, run.id);
    const reply = await deleteRun.run(app.redis, { shard: keys.shards[0]!, runId: run.id, queues: ['default'] });
    expect(reply).toEqual({ status: 'failed', withdrawn: 2 });
    // Left: the app's event stream, shard count, the queue's signal and the app's sequence, which belong to no run.
    expect(await keysOf(redis(), app)).toEqual([`${tag}:events`, `${tag}:meta`, `${tag}:queue:default:signal`, `${tag}:sequence`]);
  });
});
