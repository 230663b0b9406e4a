import { describe, expect, it } from 'vitest';
import { chain, ConfigError, group } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { collect, retainedEvents } from '../helpers/events.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('app.eventPosition(), app.recentEvents() and app.time()', () => {
  const makeApp = useApps();

  it('eventPosition() is where the stream stands: reading after it gives what happens next and nothing before', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.submit(add.si(1, 1), { name: 'before' });
    const position = await app.eventPosition();
    const later = await app.submit(add.si(2, 2), { name: 'after' });
    const [first] = await collect(app.events({ after: position }), (events) => events.length > 0);
    expect(first).toMatchObject({ type: 'run.submitted', runId: later.id, name: 'after' });
  });

  it('recentEvents() gives a run’s or a node’s retained events, oldest first, the newest `limit` of them', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    await app.worker({ concurrency: 4 }).start();
    const other = await app.submit(add.si(5, 5));
    const run = await app.submit(chain(add.si(1, 1), group(add.s(1), add.s(2)), tsum.s()));
    await Promise.all([run.result({ timeoutMs: 10_000 }), other.result({ timeoutMs: 10_000 })]);
    const everything = await retainedEvents(app);
    const mine = everything.filter((event) => event.runId === run.id);
    expect(await app.recentEvents({ runId: run.id })).toEqual(mine);
    const nodeOne = mine.filter((event) => 'nodeId' in event && event.nodeId === '1');
    expect(nodeOne.map((event) => event.type)).toContain('node.succeeded');
    expect(await app.recentEvents({ runId: run.id, nodeId: '1' })).toEqual(nodeOne);
    expect(await app.recentEvents({ runId: run.id, limit: 2 })).toEqual(mine.slice(-2));
    // Looking back over one entry sees only the newest entry's events of the run, if any.
    const newest = await app.recentEvents({ runId: run.id, scanLimit: 1 });
    expect(mine.slice(-newest.length)).toEqual(newest);
  });

  it('recentEvents() refuses bad options, naming them', async () => {
    const app = makeApp();
    await expect(app.recentEvents({ runId: 'r', nodeId: 'x' })).rejects.toThrow(ConfigError);
    await expect(app.recentEvents({ runId: 'r', limit: 0 })).rejects.toThrow(/limit/);
    await expect(app.recentEvents({ runId: '' })).rejects.toThrow(/runId/);
  });

  it('time() reads Redis’s clock, the one a run’s createdAt is on', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const before = await app.time();
    const run = await app.submit(add.si(1, 1));
    const after = await app.time();
    const { createdAt } = await run.inspect();
    expect(createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
    expect(createdAt.getTime()).toBeLessThanOrEqual(after.getTime());
  });
});
