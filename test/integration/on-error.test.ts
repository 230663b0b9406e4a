import { describe, expect, it } from 'vitest';
import { type App, chain, group, type Run, type TaskFailure, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

/** Statuses by task name (several nodes of one task: joined in id order). */
async function statusByTask(run: Run): Promise<Record<string, string>> {
  const byTask: Record<string, string[]> = {};
  for (const node of (await settled(run)).nodes) (byTask[node.task] ??= []).push(node.status);
  return Object.fromEntries(Object.entries(byTask).map(([task, list]) => [task, list.join(',')]));
}

/** Wait until the callback was called `count` times. */
async function calledTimes(calls: readonly unknown[], count: number): Promise<void> {
  while (calls.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('onError: a callback when an element fails for good', () => {
  const makeApp = useApps();

  async function setup(app: App = makeApp()) {
    const tasks = canvasTasks(app);
    const failures: { failure: TaskFailure; team: string }[] = [];
    const notify = app.task({ name: 'notify' }, (failure: TaskFailure, team: string) => {
      failures.push({ failure, team });
      return `told ${team}`;
    });
    const boom = app.task({ name: 'boom' }, (value: unknown): number => {
      throw new TypeError(`boom on ${JSON.stringify(value)}`);
    });
    await app.worker({ concurrency: 8 }).start();
    return { app, notify, boom, failures, ...tasks };
  }

  it('runs once with the failure prepended when a node of the element fails; the run still fails on that node', async () => {
    const { app, add, boom, notify, failures } = await setup();
    const run = await app.submit(chain(chain(add.s(1, 2), boom.s(), add.s(5)).onError(notify.s('payments')), add.s(100)));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).nodeId).toBe('1');
    await calledTimes(failures, 1);
    const [{ failure, team }] = failures as [{ failure: TaskFailure; team: string }];
    expect(team).toBe('payments');
    expect(failure).toMatchObject({ runId: run.id, nodeId: '1', task: 'boom', error: { name: 'TypeError', message: 'boom on 3' } });
    expect(failure.error.stack).toContain('TypeError: boom on 3');
    expect(await statusByTask(run)).toEqual({
      add: 'succeeded,cancelled,cancelled',
      boom: 'failed',
      'celeriac:no-error': 'cancelled',
      'celeriac:error': 'succeeded',
      notify: 'succeeded',
    });
    const inspection = await run.inspect();
    expect(inspection.status).toBe('failed');
    expect(inspection.failedNode).toBe('1');
  });

  it('when the element succeeds the callback is skipped and the run succeeds with the element value', async () => {
    const { app, add, notify, failures } = await setup();
    const run = await app.submit(chain(chain(add.s(1, 2), add.s(5)).onError(notify.s('payments')), add.s(100)));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(108);
    expect(await statusByTask(run)).toEqual({
      add: 'succeeded,succeeded,succeeded',
      'celeriac:no-error': 'succeeded',
      'celeriac:error': 'skipped',
      notify: 'skipped',
    });
    expect(failures).toHaveLength(0);
  });

  it('a group whose members fail together fires the callback once', async () => {
    const { app, boom, notify, failures } = await setup();
    const run = await app.submit(group([1, 2, 3, 4].map((value) => boom.si(value))).onError(notify.s('ops')));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    const inspection = await settled(run);
    expect(inspection.nodes.filter((node) => node.task === 'boom').every((node) => node.status === 'failed')).toBe(true);
    // Settled: the callback's one node ran its one attempt, fed by the first failure.
    const callback = inspection.nodes.filter((node) => node.task === 'notify');
    expect(callback.map((node) => [node.status, node.attempts])).toEqual([['succeeded', 1]]);
    expect(failures).toHaveLength(1);
    expect(['0', '1', '2', '3']).toContain(failures[0]!.failure.nodeId);
  });
});
