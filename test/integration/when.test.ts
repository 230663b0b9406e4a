import { describe, expect, it } from 'vitest';
import {
  type CeleriacEvent,
  CanvasValidationError,
  chain,
  chord,
  ConfigError,
  group,
  NodeSkippedError,
  when,
  WorkflowFailedError,
} from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('when: a branch picked at run time, the other skipped', () => {
  const makeApp = useApps();

  async function setup() {
    const app = makeApp();
    const tasks = canvasTasks(app);
    const isBig = app.task({ name: 'isBig' }, (value: number) => value > 10);
    const calls: string[] = [];
    const tag = app.task({ name: 'tag' }, (value: unknown, label: string) => {
      calls.push(label);
      return `${label}:${JSON.stringify(value)}`;
    });
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    return { app, isBig, tag, calls, ...tasks };
  }

  function statusById(nodes: readonly { id: string; status: string }[]): Record<string, string> {
    return Object.fromEntries(nodes.map((node) => [node.id, node.status]));
  }

  it('a truthy predicate runs then with the same input; a falsy one runs otherwise; the other branch is skipped', async () => {
    const { app, add, isBig, tag, calls } = await setup();
    const canvas = (start: number) => chain(add.s(start, 0), when(isBig.s(), tag.s('then'), chain(tag.s('else'), tag.s('after-else'))), tag.s('next'));
    const big = await app.submit(canvas(50));
    expect(await big.result({ timeoutMs: 10_000 })).toBe('next:"then:50"');
    expect(statusById((await big.inspect()).nodes)).toEqual({ '0': 'succeeded', '1': 'succeeded', '2': 'succeeded', '3': 'skipped', '4': 'skipped', '5': 'succeeded' });
    const small = await app.submit(canvas(5));
    expect(await small.result({ timeoutMs: 10_000 })).toBe('next:"after-else:\\"else:5\\""');
    expect(statusById((await small.inspect()).nodes)).toEqual({ '0': 'succeeded', '1': 'succeeded', '2': 'skipped', '3': 'succeeded', '4': 'succeeded', '5': 'succeeded' });
    // A skipped node never ran.
    expect(calls.filter((label) => label === 'then')).toHaveLength(1);
    expect(calls.filter((label) => label === 'else')).toHaveLength(1);
  });

  it('without otherwise a falsy predicate passes the input through; at the start of a run it gives null', async () => {
    const { app, add, isBig, identity } = await setup();
    const passed = await app.submit(chain(add.s(3, 4), when(isBig.s(), add.s(1000)), identity.s()));
    expect(await passed.result({ timeoutMs: 10_000 })).toBe(7);
    const taken = await app.submit(chain(add.s(30, 4), when(isBig.s(), add.s(1000)), identity.s()));
    expect(await taken.result({ timeoutMs: 10_000 })).toBe(1034);
    // No input: the predicate and the branch use their own args.
    expect(await (await app.submit(when(isBig.si(1), add.si(1, 1)))).result({ timeoutMs: 10_000 })).toBeNull();
    expect(await (await app.submit(when(isBig.si(11), add.si(1, 1)))).result({ timeoutMs: 10_000 })).toBe(2);
  });

  it('JavaScript truthiness of the predicate\'s JSON value: 0, "", null and false are falsy; [] and {} are truthy', async () => {
    const { app, identity, add } = await setup();
    const values: unknown[] = [0, '', null, false, [], {}, 'no', -1];
    const picked = await Promise.all(
      values.map(async (value) => (await app.submit(when(identity.si(value), add.si(1, 0), add.si(2, 0)))).result({ timeoutMs: 10_000 })),
    );
    expect(picked).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);
  });

  it('inside a group and a chord header, and nested: each when picks for itself', async () => {
    const { app, add, tsum, isBig } = await setup();
    const inner = when(isBig.s(), add.s(100), add.s(-100));
    const run = await app.submit(
      chain(
        add.s(20, 0),
        chord([when(isBig.s(), chain(add.s(-15), inner), add.s(1)), when(isBig.s(), add.s(0)), add.s(2)], tsum.s()),
      ),
    );
    // 20 is big: 20 - 15 = 5, not big: 5 - 100 = -95; 20 is big: 20 + 0; 22. Sum -53.
    expect(await run.result({ timeoutMs: 10_000 })).toBe(-53);
    const inspection = await settled(run);
    expect(inspection.nodes.filter((node) => node.status === 'skipped').map((node) => node.id)).toEqual(['4', '6']);
    expect(inspection.status).toBe('succeeded');
  });

  it('skips a wide branch in one call, and the run finishes when the last node left does', async () => {
    const { app, add, isBig, tsum } = await setup();
    const wide = chain(group(Array.from({ length: 2500 }, (_, index) => add.s(index))), tsum.s());
    const run = await app.submit(chain(add.s(1, 0), when(isBig.s(), wide, add.s(5))));
    expect(await run.result({ timeoutMs: 20_000 })).toBe(6);
    const inspection = await run.inspect();
    expect(inspection.nodes.filter((node) => node.status === 'skipped')).toHaveLength(2501);
    expect(inspection.status).toBe('succeeded');
  });

  it('node.skipped events, after the predicate\'s node.succeeded', async () => {
    const { app, add, isBig } = await setup();
    const run = await app.submit(chain(add.s(1, 0), when(isBig.s(), chain(add.s(1), add.s(2)), add.s(3))));
    await run.result({ timeoutMs: 10_000 });
    const events: CeleriacEvent[] = await app.recentEvents({ runId: run.id });
    const types = events.map((event) => `${event.type}${'nodeId' in event ? ` ${event.nodeId}` : ''}`);
    const decided = types.indexOf('node.succeeded 1');
    expect(decided).toBeGreaterThan(0);
    expect(types.slice(decided + 1, decided + 3)).toEqual(['node.skipped 2', 'node.skipped 3']);
    expect(types).toContain('run.succeeded');
  });

  it('a predicate that fails fails the run and cancels both branches and what follows', async () => {
    const { app, add } = await setup();
    const broken = app.task({ name: 'broken' }, (_value: number): boolean => {
      throw new Error('cannot decide');
    });
    const run = await app.submit(chain(add.s(1, 0), when(broken.s(), add.s(1), add.s(2)), add.s(3)));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).nodeId).toBe('1');
    expect(statusById((await settled(run)).nodes)).toEqual({ '0': 'succeeded', '1': 'failed', '2': 'cancelled', '3': 'cancelled', '4': 'cancelled' });
  });

  it('resume after the predicate failed runs it again, and it decides then', async () => {
    const { app, add } = await setup();
    let attempts = 0;
    const shaky = app.task({ name: 'shaky' }, (value: number) => {
      attempts++;
      if (attempts === 1) throw new Error('not yet');
      return value > 10;
    });
    const run = await app.submit(chain(add.s(20, 0), when(shaky.s(), chain(add.s(1), add.s(1)), add.s(-1)), add.s(0)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(statusById((await settled(run)).nodes)).toEqual({ '0': 'succeeded', '1': 'failed', '2': 'cancelled', '3': 'cancelled', '4': 'cancelled', '5': 'cancelled' });
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(22);
    expect(statusById((await run.inspect()).nodes)).toEqual({ '0': 'succeeded', '1': 'succeeded', '2': 'succeeded', '3': 'succeeded', '4': 'skipped', '5': 'succeeded' });
  });

  it('resume after a failure in the branch taken re-runs only that; the skipped branch stays skipped', async () => {
    const { app, add, isBig, calls, tag } = await setup();
    let attempts = 0;
    const flaky = app.task({ name: 'flaky' }, (value: number) => {
      attempts++;
      if (attempts === 1) throw new Error('first time');
      return value * 2;
    });
    const run = await app.submit(chain(add.s(50, 0), when(isBig.s(), flaky.s(), chain(tag.s('small'), add.si(0, 0))), add.s(1)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(statusById((await settled(run)).nodes)).toEqual({ '0': 'succeeded', '1': 'succeeded', '2': 'failed', '3': 'skipped', '4': 'skipped', '5': 'cancelled' });
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(101);
    expect(statusById((await run.inspect()).nodes)).toEqual({ '0': 'succeeded', '1': 'succeeded', '2': 'succeeded', '3': 'skipped', '4': 'skipped', '5': 'succeeded' });
    expect(calls).toEqual([]);
  });

  it('rerun from the predicate decides again: the branch skipped before runs, the other is skipped', async () => {
    const { app, add, tag } = await setup();
    let calls = 0;
    const flip = app.task({ name: 'flip' }, (_value: number) => ++calls % 2 === 1);
    const run = await app.submit(chain(add.s(1, 0), when(flip.s(), tag.s('yes'), tag.s('no'))));
    expect(await run.result({ timeoutMs: 10_000 })).toBe('yes:1');
    await expect(run.rerun({ from: '3' })).rejects.toBeInstanceOf(NodeSkippedError);
    await run.rerun({ from: '1' });
    expect(await run.result({ timeoutMs: 10_000 })).toBe('no:1');
    expect(statusById((await run.inspect()).nodes)).toEqual({ '0': 'succeeded', '1': 'succeeded', '2': 'skipped', '3': 'succeeded' });
  });

  it('refuses a predicate that does not end in one task, and an explicit null otherwise, writing nothing', async () => {
    const { app, add, isBig } = await setup();
    await expect(app.submit(chain(add.s(1, 0), when(group(isBig.s(), isBig.s()), add.s(1))))).rejects.toThrow(CanvasValidationError);
    await expect(app.submit(chain(add.s(1, 0), when(group(isBig.s(), isBig.s()), add.s(1))))).rejects.toThrow(
      /chain\[1\] > when.predicate: a when's predicate must end in one task/,
    );
    expect(() => when(isBig.s(), add.s(1), null as never)).toThrow(ConfigError);
    expect((await app.listRuns()).runs).toHaveLength(0);
  });
});
