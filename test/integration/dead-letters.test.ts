import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';

/** Put a message straight into a queue's ready set, as something other than celeriac might. */
async function inject(redis: ReturnType<ReturnType<typeof useRedis>>, readyKey: string, message: string): Promise<void> {
  await redis.zadd(readyKey, 0, message);
}

describe('dead letters: messages no worker can act on', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('garbage, unknown runs and nodes, and a finished node are dead-lettered with a reason; the worker keeps going', async () => {
    const app = makeApp();
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const errors: unknown[] = [];
    const worker = app.worker({ concurrency: 4, onError: (error) => errors.push(error) });

    // A real run first, so that one message can name a node that has already finished.
    await worker.start();
    const done = await app.submit(add.si(1, 2));
    expect(await done.result({ timeoutMs: 10_000 })).toBe(3);
    await worker.close();

    const ready = app.keys.shards[0]!.queue('default').ready;
    const client = redis();
    const poison = {
      garbage: 'this is not a message',
      truncated: `${done.id}|0|`,
      unknownRun: '01ZZZZZZZZZZZZZZZZZZZZZZZZ|0|1|0',
      unknownNode: `${done.id}|99|1|0`,
      finishedNode: `${done.id}|0|1|0`,
    };
    for (const message of Object.values(poison)) await inject(client, ready, message);

    // A second worker process's worth: the poison is consumed, and real work still runs after it.
    const next = app.worker({ concurrency: 4, onError: (error) => errors.push(error) });
    await next.start();
    const after = await app.submit(chain(add.si(2, 3), group(add.s(1), add.s(2))));
    expect(await after.result({ timeoutMs: 10_000 })).toEqual([6, 7]);

    const letters = await app.deadLetters();
    expect(letters.counts).toEqual({ malformed: 2, 'run-missing': 1, 'node-missing': 1, 'node-succeeded': 1 });
    expect(letters.total).toBe(5);
    const byMessage = new Map(letters.entries.map((entry) => [entry.message, entry]));
    expect(byMessage.get(poison.garbage)).toMatchObject({ reason: 'malformed', queue: 'default' });
    expect(byMessage.get(poison.truncated)).toMatchObject({ reason: 'malformed' });
    expect(byMessage.get(poison.unknownRun)).toMatchObject({ reason: 'run-missing', runId: '01ZZZZZZZZZZZZZZZZZZZZZZZZ', nodeId: '0' });
    expect(byMessage.get(poison.unknownNode)).toMatchObject({ reason: 'node-missing', runId: done.id, nodeId: '99' });
    expect(byMessage.get(poison.finishedNode)).toMatchObject({ reason: 'node-succeeded', runId: done.id });
    for (const entry of letters.entries) expect(entry.at).toBeInstanceOf(Date);

    // Nothing is left in the queue's sets: none of it will be delivered again.
    const queue = app.keys.shards[0]!.queue('default');
    expect(await client.zcard(queue.ready)).toBe(0);
    expect(await client.zcard(queue.leases)).toBe(0);
    expect(errors).toEqual([]);

    // The finished run was not touched by its stray message.
    expect((await done.inspect()).nodes.map((node) => [node.status, node.attempts])).toEqual([['succeeded', 1]]);

    expect(await app.clearDeadLetters()).toBe(5);
    expect(await app.deadLetters()).toEqual({ counts: {}, total: 0, entries: [] });
  });

  it('keeps the newest 10,000 entries but counts every one', async () => {
    const app = makeApp();
    const client = redis();
    // Fill the list to its cap directly (each entry is what dead-letter.lua writes), then add two.
    const entry = JSON.stringify({ at: 1, queue: 'default', message: 'old', reason: 'malformed' });
    for (let first = 0; first < 10_000; first += 1000) await client.lpush(app.keys.shards[0]!.deadLetters.list, ...Array(1000).fill(entry));
    await client.hset(app.keys.shards[0]!.deadLetters.counts, 'malformed', 10_000);
    const worker = app.worker({ concurrency: 2 });
    await inject(client, app.keys.shards[0]!.queue('default').ready, 'new garbage 1');
    await inject(client, app.keys.shards[0]!.queue('default').ready, 'new garbage 2');
    await worker.start();
    for (let attempt = 0; attempt < 500 && (await app.deadLetters({ limit: 0 })).total < 10_002; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const letters = await app.deadLetters({ limit: 3 });
    expect(letters.total).toBe(10_002);
    expect(letters.entries.map((letter) => letter.message).sort()).toEqual(['new garbage 1', 'new garbage 2', 'old']);
    expect(await client.llen(app.keys.shards[0]!.deadLetters.list)).toBe(10_000);
  });
});
