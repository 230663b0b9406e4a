import { describe, expect, it } from 'vitest';
import {
  type CeleriacEvent,
  CanvasValidationError,
  chain,
  chord,
  group,
  map,
  NodeAddedError,
  when,
  WorkflowFailedError,
} from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('map: a list made at run time, one element run per item', () => {
  const makeApp = useApps();
  const redis = useRedis();

  async function setup(options: { maxMapLength?: number } = {}) {
    const app = makeApp(options);
    const tasks = canvasTasks(app);
    const range = app.task({ name: 'range' }, (count: number) => Array.from({ length: count }, (_, index) => index));
    const isEven = app.task({ name: 'isEven' }, (value: number) => value % 2 === 0);
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    return { app, range, isEven, ...tasks };
  }

  it('runs the element once per item; the value is the list of the element values in item order ([] for no item)', async () => {
    const { app, range, add, tsum } = await setup();
    expect(await (await app.submit(chain(range.s(5), map(add.s(10)), tsum.s()))).result({ timeoutMs: 10_000 })).toBe(60);
    const list = await app.submit(chain(range.s(3), map(chain(add.s(1), add.s(100)))));
    expect(await list.result({ timeoutMs: 10_000 })).toEqual([101, 102, 103]);
    const empty = await app.submit(chain(range.s(0), map(add.s(1)), tsum.s()));
    expect(await empty.result({ timeoutMs: 10_000 })).toBe(0);
    expect((await empty.inspect()).nodes).toHaveLength(3);
  });

  it('inspect shows the map node\'s expansion and, on each node it added, its parent', async () => {
    const { app, range, add, tsum } = await setup();
    const run = await app.submit(chain(range.s(2), map(chain(add.s(1), add.s(2))), tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(7);
    const { nodes } = await run.inspect({ results: true });
    // 0 range, 1 map, 2 the step after it; then item 0's chain 3, 4 and item 1's 5, 6. The chains'
    // first steps get their item as their first arg: no item node.
    expect(nodes).toHaveLength(7);
    expect(nodes.map((node) => [node.id, node.task, node.parent ?? null])).toEqual([
      ['0', 'range', null],
      ['1', 'celeriac:map', null],
      ['2', 'tsum', null],
      ['3', 'add', '1'],
      ['4', 'add', '1'],
      ['5', 'add', '1'],
      ['6', 'add', '1'],
    ]);
    expect(nodes[1]!.expansion).toEqual({ first: '3', items: 2, nodes: 4, itemNodes: 0 });
    expect(nodes[1]!.result).toEqual([3, 4]);
    expect(nodes.map((node) => node.result)).toEqual([[0, 1], [3, 4], 7, 1, 3, 2, 4]);
    expect(nodes[4]!.dependants).toEqual(['1']);
    expect(nodes.every((node) => node.status === 'succeeded')).toBe(true);
  });

  it('emits node.expanded with where the added nodes are', async () => {
    const { app, range, add } = await setup();
    const run = await app.submit(chain(range.s(3), map(add.s(1))));
    await run.result({ timeoutMs: 10_000 });
    const events: CeleriacEvent[] = await app.recentEvents({ runId: run.id });
    const expanded = events.find((event) => event.type === 'node.expanded');
    expect(expanded).toMatchObject({ type: 'node.expanded', nodeId: '1', task: 'celeriac:map', first: '2', items: 3, nodes: 3, itemNodes: 0 });
    expect(events.filter((event) => event.type === 'node.succeeded').map((event) => (event as { nodeId: string }).nodeId).sort()).toEqual(['0', '1', '2', '3', '4']);
  });

  it('a when inside the element skips per item; maps nest; two maps of one group expand side by side', async () => {
    const { app, range, add, isEven, identity, tsum } = await setup();
    const picked = await app.submit(chain(range.s(4), map(when(isEven.s(), add.s(100)))));
    expect(await picked.result({ timeoutMs: 10_000 })).toEqual([100, 1, 102, 3]);
    const pickedNodes = (await picked.inspect()).nodes;
    expect(pickedNodes.filter((node) => node.status === 'skipped')).toHaveLength(2);
    // Without otherwise the value passes the item through: it is read from an item node.
    expect(pickedNodes[1]!.expansion).toEqual({ first: '2', items: 4, nodes: 4 + 4 * 2, itemNodes: 4 });
    expect(pickedNodes.filter((node) => node.task === 'celeriac:item').map((node) => node.id)).toEqual(['2', '3', '4', '5']);
    const nested = await app.submit(chain(range.s(3), map(chain(range.s(), map(add.s(1)))), tsum.s()));
    // [[], [1], [1, 2]]
    expect(await nested.result({ timeoutMs: 10_000 })).toBe(4);
    const side = await app.submit(chain(range.s(20), group(map(add.s(1)), map(identity.s()), add.si(0, 0))));
    const value = (await side.result({ timeoutMs: 10_000 })) as unknown[];
    expect(value[0]).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(value[1]).toEqual(Array.from({ length: 20 }, (_, index) => index));
    expect(value[2]).toBe(0);
    const header = await app.submit(chain(range.s(3), chord([map(add.s(1)), map(add.s(2))], tsum.s())));
    expect(await header.result({ timeoutMs: 10_000 })).toBe(6 + 9);
  });

  it('a map cannot start a canvas; an input that is not a list fails the map node for good (MAP_INPUT_INVALID)', async () => {
    const { app, add } = await setup();
    await expect(app.submit(map(add.s(1)) as never)).rejects.toThrow(CanvasValidationError);
    // Its type says a list; at run time it is not (the map checks what it receives).
    const pretends = app.task({ name: 'pretends' }, (): number[] => ({ not: 'a list' }) as unknown as number[]);
    const run = await app.submit(chain(pretends.s(), map(add.s(1))));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).nodeError).toMatchObject({ name: 'MapInputError', code: 'MAP_INPUT_INVALID' });
    expect((await run.inspect()).nodes[1]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('a list longer than maxMapLength fails the map node (MAP_TOO_LARGE) and adds nothing', async () => {
    const { app, range, add } = await setup({ maxMapLength: 3 });
    const run = await app.submit(chain(range.s(4), map(add.s(1))));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect((error as WorkflowFailedError).nodeError).toMatchObject({ name: 'MapTooLargeError', code: 'MAP_TOO_LARGE' });
    expect((await run.inspect()).nodes).toHaveLength(2);
    expect(await (await app.submit(chain(range.s(3), map(add.s(1))))).result({ timeoutMs: 10_000 })).toEqual([1, 2, 3]);
  });

  it('an element that fails fails the run; a resume runs only what failed, and the map gathers all items', async () => {
    const { app, range } = await setup();
    const calls = new Map<number, number>();
    let broken = true;
    const fragile = app.task({ name: 'fragile' }, (value: number) => {
      calls.set(value, (calls.get(value) ?? 0) + 1);
      if (broken && value === 3) throw new Error('item 3 breaks');
      return value * 10;
    });
    const run = await app.submit(chain(range.s(6), map(fragile.s())));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow(WorkflowFailedError);
    const failed = await settled(run);
    expect(failed.nodes.find((node) => node.status === 'failed')?.parent).toBe('1');
    expect(failed.nodes[1]!.status).toBe('cancelled');
    broken = false;
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([0, 10, 20, 30, 40, 50]);
    // Item 3 ran twice; the others, already succeeded, once.
    expect([...calls.entries()].sort(([a], [b]) => a - b)).toEqual([[0, 1], [1, 1], [2, 1], [3, 2], [4, 1], [5, 1]]);
    expect((await run.inspect()).nodes).toHaveLength(2 + 6);
  });

  it('a rerun from the producer discards the expansion (skipped) and expands the new list; a rerun from an added node is refused', async () => {
    const { app, add } = await setup();
    let size = 3;
    const produce = app.task({ name: 'produce' }, () => Array.from({ length: size }, (_, index) => index));
    const run = await app.submit(chain(produce.s(), map(add.s(1))));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([1, 2, 3]);
    await expect(run.rerun({ from: '4' })).rejects.toThrow(NodeAddedError);
    size = 2;
    await run.rerun({ from: '0' });
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([1, 2]);
    const { nodes } = await run.inspect();
    // The first expansion (2 .. 4) is skipped; the second is at 5 .. 6.
    expect(nodes.slice(2, 5).every((node) => node.status === 'skipped')).toBe(true);
    expect(nodes.slice(5).map((node) => node.status)).toEqual(['succeeded', 'succeeded']);
    expect(nodes[1]!.expansion).toEqual({ first: '5', items: 2, nodes: 2, itemNodes: 0 });
  });

  it('a cancel before the list is made stops the expansion: the map node is cancelled and adds nothing', async () => {
    const { app, add } = await setup();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => undefined;
    const began = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = app.task({ name: 'slow' }, async () => {
      started();
      await gate;
      return [1, 2, 3];
    });
    const run = await app.submit(chain(slow.s(), map(add.s(1))));
    await began;
    await run.cancel();
    release();
    const inspection = await settled(run);
    expect(inspection.nodes).toHaveLength(2);
    expect(inspection.nodes.map((node) => node.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('an expansion waiting for workers: the repair sweep finds nothing to repair, cancel empties the queue, delete removes every key', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const range = app.task({ name: 'range' }, (count: number) => Array.from({ length: count }, (_, index) => index));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const held = app.task({ name: 'held' }, async (value: number) => {
      await gate;
      return value;
    });
    await app.worker({ concurrency: 4 }).start();
    // The element's first steps wait at the gate: 4 running, 16 in their range member.
    const run = await app.submit(chain(range.s(20), map(chain(held.s(), add.s(1)))));
    await expect.poll(async () => (await run.inspect()).nodes.filter((node) => node.status === 'running').length, { timeout: 10_000 }).toBe(4);
    expect((await run.inspect()).nodes).toHaveLength(2 + 40);
    const [queued] = await app.queues({ names: ['default'] });
    expect(queued!.ready).toBe(16);
    const report = await app.repair();
    expect(report.repaired).toEqual([]);
    expect(report.damaged).toEqual([]);
    await run.cancel();
    release();
    const inspection = await settled(run);
    expect(inspection.status).toBe('cancelled');
    expect(inspection.nodes.filter((node) => node.status === 'cancelled')).toHaveLength(41);
    const [after] = await app.queues({ names: ['default'] });
    expect(after!.ready).toBe(0);
    await run.delete();
    expect((await keysOf(redis(), app)).filter((key) => key.includes(run.id))).toEqual([]);
  });

  it('element nodes with a countdown wait in the delayed set, then run', async () => {
    const { app, range, add } = await setup();
    const run = await app.submit(chain(range.s(3), map(add.s(10).set({ countdownMs: 150 }))));
    await expect.poll(async () => (await run.inspect()).nodes.length, { timeout: 10_000 }).toBe(5);
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([10, 11, 12]);
  });
});
