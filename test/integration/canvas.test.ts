import { describe, expect, it } from 'vitest';
import { chain, chord, group } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('canvas semantics (CANVAS.md examples, run by a real worker)', () => {
  const makeApp = useApps();

  async function setup() {
    const app = makeApp();
    const tasks = canvasTasks(app);
    const worker = app.worker({ concurrency: 8 });
    await worker.start();
    return { app, ...tasks };
  }

  it('chain(add.s(4, 4), add.s(8), add.s(16)) -> 32', async () => {
    const { app, add } = await setup();
    const run = await app.submit(chain(add.s(4, 4), add.s(8), add.s(16)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(32);
  });

  it('a chain nested in a chain, ending in a group -> [16, 17]', async () => {
    const { app, add } = await setup();
    const run = await app.submit(chain(add.s(2, 2), chain(add.s(4), add.s(8)), group(add.s(0), add.s(1))));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([16, 17]);
  });

  it('chain(add.s(5, 6), group(chain(add.s(1), add.s(2)), add.s(3))) -> [14, 14]', async () => {
    const { app, add } = await setup();
    const run = await app.submit(chain(add.s(5, 6), group(chain(add.s(1), add.s(2)), add.s(3))));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([14, 14]);
  });

  it('a chain ending in a group inside a group contributes a nested list -> [1, 2, [3, 4]]', async () => {
    const { app, identity } = await setup();
    const run = await app.submit(
      group(identity.si(1), identity.si(2), chain(identity.si(5), group(identity.si(3), identity.si(4)))),
    );
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([1, 2, [3, 4]]);
  });

  it('groups directly inside groups are flattened -> [11, 101, 1001, 2001]', async () => {
    const { app, add } = await setup();
    const run = await app.submit(group(add.si(1, 10), group(add.si(1, 100), group(add.si(1, 1000), add.si(1, 2000)))));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([11, 101, 1001, 2001]);
  });

  it('a group after a group, then a sum -> 8', async () => {
    const { app, add, tsum } = await setup();
    const run = await app.submit(chain(add.si(1, 0), group(add.s(1), add.s(1)), group(tsum.s(), tsum.s()), tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(8);
  });

  it('chain(identity.s(42), group(identity.s(), identity.s()), identity.s()) -> [42, 42]', async () => {
    const { app, identity } = await setup();
    const run = await app.submit(chain(identity.s(42), group(identity.s(), identity.s()), identity.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([42, 42]);
  });

  it('an empty chord header calls the body with [] -> 0', async () => {
    const { app, tsum } = await setup();
    const run = await app.submit(chord([], tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(0);
  });

  it('a 1,000-wide fan-in -> 499500', async () => {
    const { app, identity, tsum } = await setup();
    const members = Array.from({ length: 1000 }, (_, index) => identity.si(index));
    const run = await app.submit(chain(group(members), tsum.s()));
    expect(await run.result({ timeoutMs: 30_000 })).toBe(499500);
  });

  it('nested chords whose body is a chain with a group -> 60', async () => {
    const { app, add, tsum } = await setup();
    const run = await app.submit(
      chord(
        [add.s(0, 1)],
        chord([tsum.s(), tsum.s()], chain(tsum.s(), group(add.s(8), add.s(16)), chain(tsum.s(), add.s(32)))),
      ),
    );
    expect(await run.result({ timeoutMs: 10_000 })).toBe(60);
  });

  it('a one-member group still yields a list', async () => {
    const { app, add } = await setup();
    const run = await app.submit(group(add.si(1, 1)));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([2]);
  });

  it('a chord body that is a group gives each member the header list', async () => {
    const { app, identity, tsum } = await setup();
    const run = await app.submit(chord([identity.si(1), identity.si(2)], group(tsum.s(), identity.s())));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([3, [1, 2]]);
  });
});
