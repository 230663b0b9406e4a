import { describe, expect, it } from 'vitest';
import {
  type CeleriacEvent,
  chain,
  chord,
  group,
  map,
  NodeAddedError,
  replace,
  type Replacement,
  ReplaceTooDeepError,
  type Run,
  when,
  WorkflowFailedError,
} from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('replace: a handler hands its node over to a canvas', () => {
  const makeApp = useApps();

  async function setup() {
    const app = makeApp();
    const tasks = canvasTasks(app);
    const { add, tsum } = tasks;
    // fanOut(n): replaced by a group of n work nodes, as the example.
    const fanOut = app.task({ name: 'fanOut' }, async (n: number) => replace(group(Array.from({ length: n }, (_, i) => add.si(i, 100)))));
    const double = app.task({ name: 'double' }, (value: number) => value * 2);
    const range = app.task({ name: 'range' }, (count: number) => Array.from({ length: count }, (_, index) => index));
    const viaChain = app.task({ name: 'viaChain' }, (value: number) => replace(chain(add.si(value, 1), double.s())));
    const viaChord = app.task({ name: 'viaChord' }, (n: number) => replace(chord(Array.from({ length: n }, (_, i) => add.si(i, i)), tsum.s())));
    const viaMap = app.task({ name: 'viaMap' }, (n: number) => replace(chain(range.si(n), map(double.s()))));
    await app.worker({ concurrency: 8 }).start();
    return { app, fanOut, double, viaChain, viaChord, viaMap, ...tasks };
  }

  const statusOf = async (run: Run): Promise<string[]> => (await run.inspect()).nodes.map((node) => `${node.id}:${node.task}:${node.status}`);

  it('the node takes the canvas\'s value, and what follows waits for it: a group, a chain, a chord, a map', async () => {
    const { app, fanOut, viaChain, viaChord, viaMap, tsum, identity } = await setup();
    expect(await (await app.submit(chain(fanOut.s(3), tsum.s()))).result({ timeoutMs: 10_000 })).toBe(303);
    expect(await (await app.submit(chain(viaChain.s(4), identity.s()))).result({ timeoutMs: 10_000 })).toBe(10);
    expect(await (await app.submit(viaChord.s(4))).result({ timeoutMs: 10_000 })).toBe(12);
    expect(await (await app.submit(chain(viaMap.s(3), tsum.s()))).result({ timeoutMs: 10_000 })).toBe(6);
    const run = await app.submit(chain(fanOut.s(2), tsum.s()));
    await run.result({ timeoutMs: 10_000 });
    // 0 fanOut (replaced: its value is its group's), 1 tsum; the group at 2, 3.
    expect(await statusOf(run)).toEqual(['0:fanOut:succeeded', '1:tsum:succeeded', '2:add:succeeded', '3:add:succeeded']);
    const { nodes } = await run.inspect({ results: true });
    expect(nodes[0]).toMatchObject({ expansion: { first: '2', items: 0, nodes: 2 }, result: [100, 101] });
    expect(nodes[2]).toMatchObject({ parent: '0', dependants: ['0'] });
    const events: CeleriacEvent[] = await app.recentEvents({ runId: run.id });
    expect(events.find((event) => event.type === 'node.expanded')).toMatchObject({ nodeId: '0', task: 'fanOut', first: '2', items: 0, nodes: 2 });
  });

  it('in a group and a chord header: each member replaced for itself', async () => {
    const { app, fanOut, viaChain, tsum } = await setup();
    const run = await app.submit(chord([fanOut.s(2), viaChain.s(1), fanOut.s(1)], tsum.s()));
    // [100, 101] + 4 + [100]
    expect(await run.result({ timeoutMs: 10_000 })).toBe(305);
    const grouped = await app.submit(group(fanOut.s(1), viaChain.s(2)));
    expect(await grouped.result({ timeoutMs: 10_000 })).toEqual([[100], 6]);
  });

  it('a replacement that replaces itself again nests; past 32 levels the node fails with ReplaceTooDeepError', async () => {
    const { app, identity } = await setup();
    // Each level replaces itself by a chain that ends in itself again, one lower.
    const countdown = app.task({ name: 'countdown' }, (n: number): string | Replacement<string> =>
      n === 0 ? 'done' : replace(chain(identity.si(n - 1), app.signature<string>('countdown'))),
    );
    expect(await (await app.submit(countdown.s(5))).result({ timeoutMs: 10_000 })).toBe('done');
    const deep = await app.submit(countdown.s(100));
    const error = await deep.result({ timeoutMs: 20_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).nodeError).toMatchObject({ name: 'ReplaceTooDeepError', code: 'REPLACE_TOO_DEEP' });
    expect((error as WorkflowFailedError).nodeError.message).toContain(String(new ReplaceTooDeepError('r', 'n', 32).limit));
  });

  it('a bad replacement fails the node like a bad submit would: unknown task, bad args, a when\'s predicate', async () => {
    const { app, add, identity } = await setup();
    const badArgs = app.task({ name: 'badArgs' }, () => replace(add.si(1, 'two' as unknown as number)));
    const run = await app.submit(badArgs.s());
    const error = (await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ code: 'ARGS_INVALID' });
    expect((await run.inspect()).nodes).toHaveLength(1);
    const decider = app.task({ name: 'decider' }, (value: number) => replace(identity.si(value > 0)));
    const decided = await app.submit(when(decider.si(1), add.si(1, 1)));
    const refused = (await decided.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(refused.nodeError).toMatchObject({ name: 'CanvasValidationError' });
    expect(refused.nodeError.message).toMatch(/a when's predicate cannot be replaced/);
  });

  it('resume re-runs only what failed inside a replacement; rerun from the node discards it and replaces again', async () => {
    const { app, add, tsum } = await setup();
    let broken = true;
    const calls: number[] = [];
    const flaky = app.task({ name: 'flaky' }, (value: number) => {
      calls.push(value);
      if (broken && value === 1) throw new Error('one breaks');
      return value;
    });
    let width = 3;
    const spread = app.task({ name: 'spread' }, () => replace(group(Array.from({ length: width }, (_, i) => flaky.si(i)))));
    const run = await app.submit(chain(spread.si(), tsum.s(), add.s(0)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow(WorkflowFailedError);
    await settled(run);
    broken = false;
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    expect([...calls].sort()).toEqual([0, 1, 1, 2]);
    await expect(run.rerun({ from: '3' })).rejects.toThrow(NodeAddedError);
    width = 2;
    await run.rerun({ from: '0' });
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    const { nodes } = await run.inspect();
    expect(nodes.slice(3, 6).map((node) => node.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(nodes[0]!.expansion).toEqual({ first: '6', items: 0, nodes: 2, itemNodes: 0 });
  });

  it('a replacement on another queue: the run knows it, so cancel reaches its nodes', async () => {
    const { app } = await setup();
    const elsewhere = app.task({ name: 'elsewhere', queue: 'elsewhere' }, (value: number) => value);
    const move = app.task({ name: 'move' }, () => replace(group(elsewhere.si(1), elsewhere.si(2))));
    const run = await app.submit(move.si());
    // No worker consumes `elsewhere`: the replacement waits there until the cancel.
    await expect.poll(async () => (await run.inspect()).nodes.length, { timeout: 10_000 }).toBe(3);
    const outcome = await run.cancel();
    expect(outcome.changed).toBe(true);
    const inspection = await settled(run);
    expect(inspection.nodes.map((node) => node.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
