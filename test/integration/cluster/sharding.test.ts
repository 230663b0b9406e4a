import { describe, expect, it } from 'vitest';
import { type App, chain, group, ShardCountError, type CeleriacEvent } from '../../../src/index.js';
import { testTarget, useApps, useNodes, useRedis } from '../../helpers/apps.js';
import { celeriac } from '../../helpers/cli.js';
import { collect } from '../../helpers/events.js';
import { canvasTasks } from '../../helpers/tasks.js';

/** One run id per shard, found by trying ids in order: a run's shard is a hash of its id. */
function idsCoveringShards(app: App, label: string): string[] {
  const byShard = new Map<number, string>();
  for (let index = 0; byShard.size < app.keys.shards.length; index++) {
    const id = `${label}-${index}`;
    const shard = app.keys.shardOf(id);
    if (!byShard.has(shard)) byShard.set(shard, id);
  }
  return [...byShard.entries()].sort(([a], [b]) => a - b).map(([, id]) => id);
}

/**
 * What spans runs: the reads that gather runs from every shard. In the cluster suite on a
 * 3-primary Redis Cluster with 6 shards (where the canvas, cancel and crash suites already ran
 * every run-level script in one slot); in the main suite on one Redis with 4 shards.
 */
describe('runs sharded across a Redis Cluster, or one Redis', () => {
  const makeShardedApp = useApps();
  const shards = testTarget().shards ?? 4;
  const makeApp = (options: Parameters<typeof makeShardedApp>[0] = {}): App => makeShardedApp({ shards, ...options });
  const redis = useRedis();
  const nodes = useNodes();

  it('spreads the runs of one app over every shard and every primary', async () => {
    const app = makeApp();
    expect(app.keys.shards.length).toBe(shards);
    const { add } = canvasTasks(app);
    for (const id of idsCoveringShards(app, 'spread')) await app.submit(add.si(1, 1), { id });
    const keysPerNode = await Promise.all(nodes().map((node) => node.keys(`{${app.config.prefix}:*}:run:*`)));
    // Every primary of the three holds some of the runs.
    expect(keysPerNode.filter((keys) => keys.length > 0).length).toBe(testTarget().cluster ? 3 : 1);
    expect(keysPerNode.flat().filter((key) => /:run:[^:]+$/.test(key))).toHaveLength(app.keys.shards.length);
  });

  it('lists runs of every shard newest first, page by page, and purges them all', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const ids = idsCoveringShards(app, 'listed');
    for (const id of ids) {
      await app.submit(add.si(1, 2), { id });
      // Distinct creation times, so that the order newest first is the submit order reversed.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seen: string[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await app.listRuns({ limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.runs.map((run) => run.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    await app.worker({ concurrency: 4 }).start();
    for (const id of ids) await app.getRun(id).result({ timeoutMs: 10_000 });
    expect((await app.listRuns({ status: 'succeeded', limit: 100 })).runs).toHaveLength(ids.length);
    const purged = await app.purgeRuns();
    expect([...purged.runIds].sort()).toEqual([...ids].sort());
    expect((await app.listRuns({ limit: 100 })).runs).toEqual([]);
  });

  it('counts every shard in queues(), repairs orphans in every shard, and gathers dead letters from each', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const ids = idsCoveringShards(app, 'queued');
    for (const id of ids) await app.submit(add.si(1, 2), { id });
    const stats = await app.queues();
    expect(stats.find((queue) => queue.name === 'default')).toMatchObject({ ready: ids.length, delayed: 0, leased: 0 });

    // Lose the message of a run in the first and in the last shard: the sweep finds both.
    const client = redis();
    for (const id of [ids[0]!, ids.at(-1)!]) await client.del(app.keys.forRun(id).queue('default').ready);
    const report = await app.repair();
    expect(report.repaired.map((node) => node.runId).sort()).toEqual([ids[0]!, ids.at(-1)!].sort());
    expect(report.runs).toBe(ids.length);

    // A message no worker can act on, in two shards' queues.
    for (const shard of [app.keys.shards[0]!, app.keys.shards.at(-1)!]) await client.zadd(shard.queue('default').ready, 0, `garbage-${shard.index}`);
    await app.worker({ concurrency: 4 }).start();
    for (const id of ids) expect(await app.getRun(id).result({ timeoutMs: 10_000 })).toBe(3);
    let letters = await app.deadLetters();
    for (let wait = 0; letters.total < 2 && wait < 100; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      letters = await app.deadLetters();
    }
    expect(letters.counts).toEqual({ malformed: 2 });
    expect(letters.entries.map((entry) => entry.message).sort()).toEqual(['garbage-0', `garbage-${app.keys.shards.length - 1}`]);
    expect(await app.clearDeadLetters()).toBe(2);
  });

  it('streams the events of runs in every shard, and an event id resumes exactly after that event', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const start = await app.eventPosition();
    const ids = idsCoveringShards(app, 'events');
    await app.worker({ concurrency: 4 }).start();
    for (const id of ids) await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), tsum.s()), { id });
    const succeeded = (events: readonly CeleriacEvent[]): number => events.filter((event) => event.type === 'run.succeeded').length;
    const all = await collect(app.events({ after: start }), (events) => succeeded(events) === ids.length);
    expect(new Set(all.filter((event) => event.type === 'run.succeeded').map((event) => event.runId))).toEqual(new Set(ids));
    // Each run's own events in order, whatever its shard.
    for (const id of ids) {
      const types = all.filter((event) => event.runId === id && event.type.startsWith('run.')).map((event) => event.type);
      expect(types).toEqual(['run.submitted', 'run.succeeded']);
    }
    // From the middle: exactly what followed, none lost or repeated, each run's in its order. Two
    // readers may interleave different shards' events differently (and so give them different ids).
    const middle = Math.floor(all.length / 2);
    const rest = await collect(app.events({ after: all[middle]!.id }), (events) => events.length === all.length - middle - 1);
    const identity = (event: CeleriacEvent): string =>
      `${event.runId}|${event.type}|${'nodeId' in event ? event.nodeId : ''}|${'attempt' in event ? String(event.attempt) : ''}`;
    const followed = all.slice(middle + 1);
    expect(rest.map(identity).sort()).toEqual(followed.map(identity).sort());
    for (const id of ids) {
      expect(rest.filter((event) => event.runId === id).map(identity)).toEqual(followed.filter((event) => event.runId === id).map(identity));
    }
    await expect(collect(app.events({ after: all.at(-1)!.id, signal: AbortSignal.timeout(300) }), () => false)).resolves.toEqual([]);
    // One run's stream reads only its shard, and its history is there too.
    const one = ids.at(-1)!;
    const history = await app.recentEvents({ runId: one });
    expect(history.map((event) => event.type).filter((type) => type.startsWith('run.'))).toEqual(['run.submitted', 'run.succeeded']);
    const ofOne = await collect(app.events({ runId: one, after: start }), (events) => events.some((event) => event.type === 'run.succeeded'));
    expect(ofOne.map((event) => event.type)).toEqual(history.map((event) => event.type));
  });

  it('the command line finds the shard count of the prefix, lists every shard and inspects and cancels any run', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const ids = idsCoveringShards(app, 'cli');
    for (const id of ids) await app.submit(add.si(1, 2), { id, name: 'by-cli' });
    const target = testTarget();
    const where = target.cluster ? ['--cluster', target.cluster.map(({ host, port }) => `${host}:${port}`).join(',')] : ['--redis', target.url];
    const listed = await celeriac(['list', ...where, '--prefix', app.config.prefix, '--limit', '100']);
    expect(listed.code).toBe(0);
    for (const id of ids) expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+by-cli\\s+running`, 'm'));
    const last = ids.at(-1)!;
    const inspected = await celeriac(['inspect', last, ...where, '--prefix', app.config.prefix, '--json']);
    expect(inspected.code).toBe(0);
    expect(JSON.parse(inspected.stdout)).toMatchObject({ id: last, status: 'running' });
    const cancelled = await celeriac(['cancel', last, ...where, '--prefix', app.config.prefix]);
    expect(cancelled.code).toBe(0);
    expect((await app.getRun(last).inspect()).status).toBe('cancelled');
  });

  it('refuses an app that names another shard count for the same prefix, before it writes', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.submit(add.si(1, 1));
    const other = makeApp({ prefix: app.config.prefix, shards: app.keys.shards.length + 1 });
    const { add: otherAdd } = canvasTasks(other);
    const error = await other.submit(otherAdd.si(1, 1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ShardCountError);
    expect(error).toMatchObject({ code: 'SHARD_COUNT_MISMATCH', recorded: app.keys.shards.length, configured: app.keys.shards.length + 1 });
    await expect(other.worker().start()).rejects.toBeInstanceOf(ShardCountError);
    expect((await app.listRuns()).runs).toHaveLength(1);
  });
});
