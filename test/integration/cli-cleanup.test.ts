import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { celeriac, cliApp } from '../helpers/cli.js';

describe('celeriac result, delete and purge', () => {
  const makeApp = useApps();

  const setup = () => cliApp(makeApp());

  it("result prints the run's value or one node's as JSON, with exit codes for failed and unfinished", async () => {
    const { app, at, add, identity } = setup();
    const boom = app.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    await app.worker().start();
    const run = await app.submit(chain(add.s(1, 2), group(identity.s(), add.s(10))));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([3, 13]);
    const value = await celeriac(['result', run.id, ...at]);
    expect(value).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(value.stdout)).toEqual([3, 13]);
    const node = await celeriac(['result', run.id, '2', ...at]);
    expect(JSON.parse(node.stdout)).toBe(13);
    const missing = await celeriac(['result', run.id, '9', ...at]);
    expect(missing.code).toBe(66);

    const failed = await app.submit(boom.si());
    await failed.result({ timeoutMs: 10_000 }).catch(() => undefined);
    const failure = await celeriac(['result', failed.id, ...at]);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain('threw Error: boom');
    const failedNode = await celeriac(['result', failed.id, '0', ...at]);
    expect(failedNode).toMatchObject({ code: 1, stdout: '' });
    expect(failedNode.stderr).toContain(`node 0 (boom) of run ${failed.id} failed: Error: boom`);

    const waiting = await app.submit(app.signature('nobody', [], { queue: 'elsewhere' }));
    const unfinished = await celeriac(['result', waiting.id, ...at]);
    expect(unfinished.code).toBe(75);
    expect(unfinished.stderr).toContain('still running');
    await waiting.cancel();
  });

  it('inspect --json with results, delete, and purge with --dry-run', async () => {
    const { app, at, add } = setup();
    await app.worker().start();
    const first = await app.submit(add.s(1, 1));
    const second = await app.submit(add.s(2, 2));
    await first.result({ timeoutMs: 10_000 });
    await second.result({ timeoutMs: 10_000 });
    expect((await second.inspect({ results: true })).nodes[0]?.result).toBe(4);
    expect((await second.inspect()).nodes[0]).not.toHaveProperty('result');

    const running = await app.submit(app.signature('nobody', [], { queue: 'elsewhere' }));
    const refused = await celeriac(['delete', running.id, ...at]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain('is still running');

    const dry = await celeriac(['purge', '--dry-run', ...at]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(`would delete 2 runs (dry run: nothing deleted)\n  ${first.id}\n  ${second.id}\n`);
    const bad = await celeriac(['purge', '--older-than', 'yesterday', ...at]);
    expect(bad.code).toBe(64);
    expect(await celeriac(['purge', '--older-than', '1h', ...at])).toMatchObject({ code: 0, stdout: 'deleted 0 runs\n' });
    expect(await celeriac(['delete', first.id, ...at])).toMatchObject({ code: 0, stdout: `run ${first.id} deleted (it was succeeded)\n` });
    expect(await celeriac(['purge', '--json', ...at])).toMatchObject({ code: 0 });
    expect((await app.listRuns()).runs.map((summary) => summary.id)).toEqual([running.id]);
    expect(await celeriac(['delete', running.id, '--force', ...at])).toMatchObject({ code: 0, stdout: `run ${running.id} deleted (it was running)\n` });
    expect((await app.listRuns()).runs).toEqual([]);
  });
});
