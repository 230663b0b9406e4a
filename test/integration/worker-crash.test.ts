import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chain } from '../../src/index.js';
import { testTarget, useApps, useRedis } from '../helpers/apps.js';
import { targetEnv } from '../helpers/target.js';

const fixture = fileURLToPath(new URL('../fixtures/crash-worker.ts', import.meta.url));

describe('a worker process killed with SIGKILL mid-task', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('loses nothing: the node is redelivered after the visibility timeout and another worker completes it', async () => {
    const app = makeApp({ visibilityTimeoutMs: 1000 });
    const { prefix } = app.config;
    const stepsRun: string[] = [];
    app.task({ name: 'step' }, async (value: number) => {
      stepsRun.push(String(value));
      return value + 1;
    });
    const step = app.signature<number>('step');
    const run = await app.submit(chain(app.signature('step', [1], { immutable: true }), step, step));

    const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: { ...process.env, ...targetEnv(testTarget()), CELERIAC_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    // Wait until the child is inside the handler of node 0.
    const started = await redis().blpop(`crash-test:${prefix}:started`, 20);
    expect(started?.[1]).toBe(`${child.pid}:0:1`);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // The node is still 'running' under the dead worker's lease; a new worker picks it up once the lease expires.
    expect((await run.inspect()).nodes[0]?.status).toBe('running');
    await app.worker({ concurrency: 2 }).start();
    expect(await run.result({ timeoutMs: 15_000 })).toBe(4);
    const nodes = (await run.inspect()).nodes;
    expect(nodes.map((node) => node.attempts)).toEqual([2, 1, 1]);
    expect(stepsRun).toEqual(['1', '2', '3']);
    await redis().del(`crash-test:${prefix}:started`);
  });
});
