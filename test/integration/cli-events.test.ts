import { describe, expect, it } from 'vitest';
import { chain } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { celeriac, cliApp } from '../helpers/cli.js';

describe('celeriac events', () => {
  const makeApp = useApps();

  it("--run --after 0-0 replays a run's retained events in order and ends with the run; --json prints objects", async () => {
    const { app, at, add } = cliApp(makeApp());
    await app.worker().start();
    const other = await app.submit(add.s(5, 5));
    const run = await app.submit(chain(add.s(1, 2), add.s(3)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(6);
    await other.result({ timeoutMs: 10_000 });

    const text = await celeriac(['events', '--run', run.id, '--after', '0-0', ...at]);
    expect(text).toMatchObject({ code: 0, stderr: '' });
    const lines = text.stdout.trim().split('\n');
    expect(lines.map((line) => line.split(/\s+/)[2])).toEqual([
      'run.submitted',
      'node.started',
      'node.succeeded',
      'node.started',
      'node.succeeded',
      'run.succeeded',
    ]);
    expect(lines.every((line) => line.includes(`run ${run.id}`))).toBe(true);
    expect(lines[1]).toMatch(/node 0 add#1$/);

    const json = await celeriac(['events', '--run', run.id, '--after', '0-0', '--json', ...at]);
    const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; runId: string; id: string });
    expect(events.map((event) => event.type)).toEqual(lines.map((line) => line.split(/\s+/)[2]));
    // Starting after the third event continues with the fourth.
    const rest = await celeriac(['events', '--run', run.id, '--after', events[2]!.id, '--json', ...at]);
    expect(rest.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { id: string }).id)).toEqual(events.slice(3).map((event) => event.id));
  });

  it('follows live until SIGINT, then exits 0', async () => {
    const { app, at, add } = cliApp(makeApp());
    await app.worker().start();
    const result = await celeriac(['events', ...at], {}, (child) => {
      let printed = '';
      let submitted = false;
      // Interrupted once it has printed the run's end: what it printed came live.
      child.stdout?.on('data', (chunk: Buffer) => {
        printed += chunk.toString();
        if (printed.includes('run.succeeded')) child.kill('SIGINT');
      });
      // Submitted once the command blocks in XREAD (its "now" is fixed by then).
      const poll = setInterval(() => {
        void app.redis.client('LIST').then(async (list) => {
          const reading = String(list)
            .split('\n')
            .some((line) => line.includes(`name=celeriac:${app.config.prefix}:events-stream`) && line.includes('cmd=xread'));
          if (!reading || submitted) return;
          submitted = true;
          clearInterval(poll);
          await app.submit(add.s(2, 3));
        });
      }, 50);
    });
    const lines = result.stdout.trim().split('\n');
    expect(result.code).toBe(0);
    expect(lines.map((line) => line.split(/\s+/)[2])).toEqual(['run.submitted', 'node.started', 'node.succeeded', 'run.succeeded']);
  });
});
