import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { useRestartableApp } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('Redis killed and restarted mid-run', () => {
  const restartableApp = useRestartableApp();

  it('workers and waiters reconnect, reload their scripts and the run finishes correctly', async () => {
    const { server, app } = await restartableApp('restart', { visibilityTimeoutMs: 1000 });
    const { add, tsum } = canvasTasks(app);
    let gateOpen = false;
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      while (!gateOpen) await new Promise((resolve) => setTimeout(resolve, 20));
      return value;
    });
    await app.worker({ concurrency: 8, onError: () => undefined }).start();
    const run = await app.submit(chain(add.s(1, 1), group(slow.s(), slow.s(), add.s(10)), tsum.s(), add.s(100)));
    const waiting = run.result({ timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));

    await server.kill();
    gateOpen = true; // the slow handlers finish while Redis is down; their completions wait and retry
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.restart();

    expect(await waiting).toBe(2 + 2 + 12 + 100);
    const inspection = await run.inspect();
    expect(inspection.status).toBe('succeeded');
    expect(inspection.nodes.every((node) => node.status === 'succeeded')).toBe(true);
  });
});
