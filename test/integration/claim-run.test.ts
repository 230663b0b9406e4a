import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/index.js';
import { claimRun } from '../../src/store/scripts/claim-run.js';
import { claim } from '../../src/store/scripts/claim.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { readyCount } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';
import { scripts } from '../helpers/all-scripts.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { Redis } from 'ioredis';

/**
 * claim-run (claim-run.lua): a worker woken by a signal that names a run claims with that run's
 * keys and starts its messages in the same call; messages of other runs come back leased.
 */
describe('a claim for the run a signal named', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it("starts the named run's messages and leases the others, which keep their place", async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const first = await app.submit(add.si(1, 1));
    const named = await app.submit(add.si(2, 2));
    // Both roots wait in the queue, the first run's ahead; the signal's token names the second.
    const shard = app.keys.forRun(named.id);
    const sameShard = app.keys.shardOf(first.id) === app.keys.shardOf(named.id);
    // One token per list: the first run's submit put it there when its shard is the same.
    expect(await redis().lrange(shard.queue('default').signal, 0, -1)).toEqual([sameShard ? first.id : named.id]);
    const input = { shard, runId: named.id, queues: ['default'], wanted: 2, leaseMs: 30_000, upkeepLimit: 100, maxLeaseExpiries: 5, leaseExpiredErrorJson: '{}', workerId: 'worker-9' };
    const reply = await claimRun.run(redis(), input);
    expect(reply.claimed.map(({ message }) => message.split('|')[0])).toEqual(sameShard ? [first.id] : []);
    expect(reply.started.map(({ message, queue }) => [message.runId, message.nodeId, queue])).toEqual([[named.id, '0', 'default']]);
    expect((await named.inspect()).nodes[0]).toMatchObject({ status: 'running', attempts: 1 });
    const events = await app.recentEvents({ runId: named.id });
    expect(events.find((event) => event.type === 'node.started')).toMatchObject({ nodeId: '0', worker: 'worker-9' });
    // Leased, both of them when they share the shard: nothing of this shard is left ready.
    expect(await redis().zcard(shard.queue('default').leases)).toBe(sameShard ? 2 : 1);
    expect(await redis().zcard(shard.queue('default').ready)).toBe(0);
  });

  it('is a plain claim when the named run has nothing queued (another worker took it)', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const queued = await app.submit(add.si(3, 3));
    const shard = app.keys.forRun(queued.id);
    const input = { shard, runId: 'gone-run', queues: ['default'], wanted: 5, leaseMs: 30_000, upkeepLimit: 100, maxLeaseExpiries: 5, leaseExpiredErrorJson: '{}', workerId: '' };
    const reply = await claimRun.run(redis(), input);
    expect(reply.started).toEqual([]);
    if (app.keys.shardOf('gone-run') === app.keys.shardOf(queued.id)) expect(reply.claimed.map(({ message }) => message.split('|')[0])).toEqual([queued.id]);
    // Nothing was written for the run it named.
    expect(await redis().exists(app.keys.run('gone-run').run)).toBe(0);
    const plain = await claim.run(redis(), { shard, queues: ['default'], wanted: 5, leaseMs: 30_000, upkeepLimit: 100 });
    expect(plain.claimed).toEqual([]);
    expect(await readyCount(app)).toBe(0);
  });
});

describe('a worker in another process', () => {
  it('starts a one-task run in the claim that the run woke it for: no start-nodes', async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    const prefix = `claim-run-${Date.now()}`;
    const submitter = createApp({ redis: server.url, prefix });
    const workers = createApp({ redis: server.url, prefix });
    canvasTasks(submitter);
    const { add } = canvasTasks(workers);
    const names = new Map(Object.values(scripts).map((script) => [script.sha, script.name]));
    const sent: string[] = [];
    try {
      await workers.worker().start();
      // Warm: scripts loaded, connections open.
      expect(await (await submitter.submit(add.si(0, 0))).result({ timeoutMs: 10_000 })).toBe(0);
      const monitor = await admin.monitor();
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source === 'lua') return;
        const command = String(args[0]).toLowerCase();
        sent.push(command === 'evalsha' ? (names.get(String(args[1])) ?? 'evalsha ?') : command);
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      sent.length = 0;
      expect(await (await submitter.submit(add.si(20, 22))).result({ timeoutMs: 10_000 })).toBe(42);
      const marker = `marker-${Date.now()}`;
      await admin.echo(marker);
      while (!sent.includes('echo')) await new Promise((resolve) => setTimeout(resolve, 5));
      monitor.disconnect();
      const scriptsSent = sent.filter((command) => !['echo', 'blpop', 'subscribe', 'unsubscribe', 'hgetall', 'ping'].includes(command));
      expect(scriptsSent).toEqual(['submit-run', 'claim-run', 'complete-nodes']);
    } finally {
      await submitter.close();
      await workers.close();
      await admin.quit();
      await server.stop();
    }
  });
});
