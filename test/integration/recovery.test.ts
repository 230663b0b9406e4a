import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chain, group, WorkflowFailedError } from '../../src/index.js';
import { redisUrl, useApps, useRedis } from '../helpers/apps.js';

const runWorker = fileURLToPath(new URL('../fixtures/run-worker.ts', import.meta.url));
const recoveryApp = fileURLToPath(new URL('../fixtures/recovery-app.ts', import.meta.url));

/** A worker process running the recovery app until the run ends, then exiting. */
async function workerProcessUntilDone(prefix: string, runId: string, buggy: boolean): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', runWorker, recoveryApp, runId], {
    env: { ...process.env, REDIS_URL: redisUrl(), CELERIAC_PREFIX: prefix, CELERIAC_TEST_BUGGY: buggy ? '1' : '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('recovery: resume after a fix, with every earlier process gone', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('fail -> fix the code in a new worker process -> resume -> the right result, no succeeded node run again', async () => {
    const app = makeApp();
    const { prefix } = app.config;
    const transform = app.signature<number>('transform');
    const total = app.signature<number>('total');
    const values = [1, 2, 3, 4];
    // 4 x chain(load, transform), then total: node ids 0..7 are load/transform pairs, 8 is total.
    const canvas = chain(
      group(values.map((value) => chain(app.signature<number>('load', [value], { immutable: true }), transform))),
      total,
    );
    const run = await app.submit(canvas, { name: 'recovery' });

    // The buggy worker process runs it to failure and exits.
    expect(await workerProcessUntilDone(prefix, run.id, true)).toBe(0);
    const failure = await run.result({ timeoutMs: 1000 }).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).nodeError.message).toBe('cannot transform 3');
    const failed = await run.inspect();
    expect(failed.nodes.map((node) => `${node.id}:${node.status}`)).toEqual([
      '0:succeeded', '1:succeeded', '2:succeeded', '3:succeeded', '4:succeeded', '5:failed', '6:succeeded', '7:succeeded', '8:cancelled',
    ]);
    const callsBefore = await redis().lrange(`recovery:${prefix}:calls`, 0, -1);
    expect(callsBefore).toHaveLength(8);

    // Fixed code, new process; resume from this process, which never ran anything.
    const resumed = await run.resume();
    expect(resumed).toEqual({ changed: true, status: 'running', resetNodes: 2, enqueuedNodes: 1 });
    expect(await workerProcessUntilDone(prefix, run.id, false)).toBe(0);
    expect(await run.result({ timeoutMs: 1000 })).toBe(100);

    const callsAfter = (await redis().lrange(`recovery:${prefix}:calls`, 0, -1)).slice(callsBefore.length);
    expect(callsAfter.sort()).toEqual(['total:8', 'transform:5']);
    const done = await run.inspect();
    expect(done.status).toBe('succeeded');
    expect(done.reopened).toBe(1);
    // Attempts count across the resume.
    expect(done.nodes.find((node) => node.id === '5')?.attempts).toBe(2);
    expect(done.nodes.find((node) => node.id === '4')?.attempts).toBe(1);
    await redis().del(`recovery:${prefix}:calls`);
  });
});
