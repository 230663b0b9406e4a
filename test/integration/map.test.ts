import { describe, expect, it } from 'vitest';
import { chain, group, map } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('map: a list made at run time, one element run per item', () => {
  const makeApp = useApps();

  async function setup() {
    const app = makeApp();
    const tasks = canvasTasks(app);
    const range = app.task({ name: 'range' }, (count: number) => Array.from({ length: count }, (_, index) => index));
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    return { app, range, ...tasks };
  }

  it('runs the element once per item, in parallel; the value is the list of results in item order', async () => {
    const { app, range, add, tsum } = await setup();
    const run = await app.submit(chain(range.s(5), map(add.s(10)), tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(60);
    const list = await app.submit(chain(range.s(3), map(chain(add.s(1), add.s(100)))));
    expect(await list.result({ timeoutMs: 10_000 })).toEqual([101, 102, 103]);
    const empty = await app.submit(chain(range.s(0), map(add.s(1)), tsum.s()));
    expect(await empty.result({ timeoutMs: 10_000 })).toBe(0);
    const inspection = await list.inspect();
    console.log(JSON.stringify(inspection.nodes.map((n) => [n.id, n.task, n.status])));
    void group;
  });
});
