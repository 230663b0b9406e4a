import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArgsValidationError, chain, dag, group, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('dag: nodes with several parents, run by a real worker', () => {
  const makeApp = useApps();

  async function setup() {
    const app = makeApp();
    const tasks = canvasTasks(app);
    // Records its arguments, so a test sees exactly what a node received.
    const seen: unknown[][] = [];
    const record = app.task({ name: 'record' }, (w: unknown, x: unknown, y: unknown, z: unknown) => {
      seen.push([w, x, y, z]);
      return [w, x, y, z];
    });
    const both = app.task({ name: 'both' }, (x: unknown, y: unknown) => {
      seen.push([x, y]);
      return [x, y];
    });
    const sub = app.task({ name: 'sub', args: z.tuple([z.number(), z.number()]) }, (x, y) => x - y);
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    return { app, seen, record, both, sub, ...tasks };
  }

  it('a diamond: the join receives its parents\' values as arguments, in after order, before its bound args', async () => {
    const { app, add, sub, record } = await setup();
    const g = dag();
    const a = g.add(add.si(10, 5));
    const b = g.add(add.si(1, 2));
    const diff = g.add(sub.s(), { after: [a, b] });
    const back = g.add(sub.s(), { after: [b, a] });
    g.add(record.s('bound'), { after: [diff, back, a] });
    const run = await app.submit(g);
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([12, -12, 15, 'bound']);
  });

  it('several sinks give the list of their values in the order they were added', async () => {
    const { app, add } = await setup();
    const g = dag<never, [number, number, number]>();
    const a = g.add(add.si(1, 1));
    g.add(add.s(10), { after: [a] });
    g.add(add.si(7, 7));
    g.add(add.s(100), { after: [a] });
    const run = await app.submit(g);
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([12, 14, 102]);
  });

  it('as a chain step: nodes without after receive the previous value, the next step waits for the sinks', async () => {
    const { app, add, sub } = await setup();
    const g = dag<number, number>();
    const plus = g.add(add.s(1));
    const times = g.add(chain(add.s(0), add.s(2)));
    g.add(sub.s(), { after: [times, plus] });
    const run = await app.submit(chain(add.s(3, 4), g, add.s(1000)));
    // 7 -> plus 8, times 9 -> sub(9, 8) = 1 -> 1001
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1001);
  });

  it('as a group member and a chord body; a parent that is a group gives its list', async () => {
    const { app, add, tsum, both } = await setup();
    const g = dag<number[]>();
    const total = g.add(tsum.s());
    const pair = g.add(group(add.s(1), add.s(2)), { after: [total] });
    g.add(both.s(), { after: [pair, total] });
    const run = await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), group(g, tsum.s())));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([[[7, 8], 6], 6]);
  });

  it('inspect() lists every parent of a join, and a failure inside the dag cancels only what depends on it', async () => {
    const { app, add, sub } = await setup();
    const boom = app.task({ name: 'boom' }, (_x: number): number => {
      throw new Error('boom');
    });
    const g = dag();
    const a = g.add(add.si(1, 1));
    const b = g.add(add.si(2, 2));
    const broken = g.add(boom.s(), { after: [a] });
    g.add(sub.s(), { after: [broken, b] });
    g.add(sub.s(), { after: [a, b] });
    const run = await app.submit(g);
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const inspection = await settled(run);
    const byId = Object.fromEntries(inspection.nodes.map((node) => [node.id, node]));
    expect((await run.inspectNode('3')).parents).toEqual(['2', '1']);
    expect((await run.inspectNode('4')).parents).toEqual(['0', '1']);
    expect(byId['0']?.dependants).toEqual(['2', '4']);
    expect(byId['1']?.dependants).toEqual(['3', '4']);
    expect(byId['2']?.status).toBe('failed');
    expect(byId['3']?.status).toBe('cancelled');
    // The other join depends only on nodes that succeeded: it ran or was cancelled as the run failed.
    expect(['succeeded', 'cancelled']).toContain(byId['4']?.status);
  });

  it('resume after a failure re-runs only the failed node and what depends on it, with the parents\' kept values', async () => {
    const { app, add, both, seen } = await setup();
    let attempts = 0;
    const flaky = app.task({ name: 'flaky' }, (x: number) => {
      attempts++;
      if (attempts === 1) throw new Error('first time');
      return x * 10;
    });
    const g = dag();
    const a = g.add(add.si(1, 1));
    const b = g.add(flaky.si(3));
    g.add(both.s(), { after: [a, b] });
    const run = await app.submit(g);
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await settled(run);
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([2, 30]);
    expect(attempts).toBe(2);
    expect(seen).toEqual([[2, 30]]);
    const inspection = await run.inspect();
    expect(inspection.nodes[0]?.attempts).toBe(1);
  });

  it('submit checks bound args against the schema with one open position per parent, and writes nothing when refused', async () => {
    const { app, add, sub } = await setup();
    const g = dag();
    const a = g.add(add.si(1, 1));
    const b = g.add(add.si(2, 2));
    // sub takes two numbers: both come from the parents, so a bound third is fine for the schema
    // only if it allows one; z.tuple refuses it.
    g.add(sub.s(5) as never, { after: [a, b] });
    const refused = await app.submit(g).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ArgsValidationError);
    expect((refused as ArgsValidationError).message).toMatch(/dag\[2\] > sub/);
    expect((await app.listRuns()).runs).toHaveLength(0);
  });

  it('a handler without schema needs its declared parameters: parents count one each', async () => {
    const { app, add } = await setup();
    const three = app.task({ name: 'three' }, (x: number, y: number, z: number) => x + y + z);
    const g = dag();
    const a = g.add(add.si(1, 1));
    const b = g.add(add.si(2, 2));
    g.add(three.s() as never, { after: [a, b] });
    await expect(app.submit(g)).rejects.toThrow(/takes at least 3 arguments; this signature gives 0 bound plus 2 parents' values/);
    const ok = dag();
    const c = ok.add(add.si(1, 1));
    const d = ok.add(add.si(2, 2));
    ok.add(three.s(10), { after: [c, d] });
    expect(await (await app.submit(ok)).result({ timeoutMs: 10_000 })).toBe(16);
  });
});
