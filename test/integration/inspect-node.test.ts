import { describe, expect, it } from 'vitest';
import { chain, chord, NodeNotFoundError, RunNotFoundError, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('run.inspectNode()', () => {
  const makeApp = useApps();

  it('reads one node of a chord: its queue, parents from its input, dependants, and with values its args and result', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    await app.worker({ queues: ['default', 'sums'] }).start();
    // Nodes 0 and 1 are the header, 2 the body, 3 the step after it.
    const run = await app.submit(chain(chord([add.s(1, 2), add.s(3, 4)], tsum.s().set({ queue: 'sums' })), add.s(100)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(110);

    const body = await run.inspectNode('2', { values: true });
    expect(body).toMatchObject({
      id: '2',
      task: 'tsum',
      status: 'succeeded',
      attempts: 1,
      queue: 'sums',
      parents: ['0', '1'],
      dependants: ['3'],
      args: [],
      result: 10,
    });
    expect(body.startedAt!.getTime()).toBeLessThanOrEqual(body.finishedAt!.getTime());

    const root = await run.inspectNode('0', { values: true });
    expect(root).toMatchObject({ queue: 'default', parents: [], dependants: ['2'], args: [1, 2], result: 3 });
    expect(root.queuedAt).toBeInstanceOf(Date);

    // Without values, neither args nor result.
    const plain = await run.inspectNode('3');
    expect(plain).toMatchObject({ task: 'add', parents: ['2'], dependants: [] });
    expect(plain).not.toHaveProperty('args');
    expect(plain).not.toHaveProperty('result');
  });

  it('shows a failed node its error and no result; a node not started yet is queued or pending', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const boom = app.task({ name: 'boom' }, async (): Promise<number> => {
      throw new Error('it broke');
    });
    await app.worker().start();
    const run = await app.submit(chain(boom.si(), add.s(1)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow(WorkflowFailedError);
    const failed = await run.inspectNode('0', { values: true });
    expect(failed).toMatchObject({ status: 'failed', error: { name: 'Error', message: 'it broke' }, args: [] });
    expect(failed).not.toHaveProperty('result');
    expect((await run.inspectNode('1')).status).toBe('cancelled');

    // No worker consumes 'elsewhere': the run's nodes stay queued and pending.
    const waiting = await app.submit(chain(add.s(1, 2).set({ queue: 'elsewhere' }), add.s(3)));
    expect(await waiting.inspectNode('0')).toMatchObject({ status: 'queued', attempts: 0, queue: 'elsewhere' });
    expect((await waiting.inspectNode('0')).queuedAt).toBeInstanceOf(Date);
    expect(await waiting.inspectNode('1')).toMatchObject({ status: 'pending', parents: ['0'] });
  });

  it('throws RunNotFoundError for an unknown run and NodeNotFoundError for an unknown node', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await expect(app.getRun('no-such-run').inspectNode('0')).rejects.toThrow(RunNotFoundError);
    const run = await app.submit(add.s(1, 2));
    await expect(run.inspectNode('7')).rejects.toThrow(NodeNotFoundError);
    await expect(run.inspectNode('')).rejects.toThrow('inspectNode()');
  });
});
