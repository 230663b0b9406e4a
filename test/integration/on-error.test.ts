import { describe, expect, it } from 'vitest';
import { type App, chain, chord, group, map, replace, type Run, type TaskFailure, when, WorkflowCancelledError, WorkflowFailedError } from '../../src/index.js';
import { parseMessage } from '../../src/store/messages.js';
import { renderRun } from '../../src/cli/render-run.js';
import { palette } from '../../src/cli/format.js';
import { SteppingNodeStore } from '../helpers/node-steps.js';
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

  async function setup(app: App = makeApp(), withWorker = true) {
    const tasks = canvasTasks(app);
    const failures: { failure: TaskFailure; team: string }[] = [];
    const notify = app.task({ name: 'notify' }, (failure: TaskFailure, team: string) => {
      failures.push({ failure, team });
      return `told ${team}`;
    });
    const boom = app.task({ name: 'boom' }, (value: unknown): number => {
      throw new TypeError(`boom on ${JSON.stringify(value)}`);
    });
    if (withWorker) await app.worker({ concurrency: 8 }).start();
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
    expect(inspection.nodes.map((node) => node.guardedBy ?? [])).toEqual([['4'], ['4'], ['4'], [], [], [], []]);
    // The command line draws the error node after the nodes whose failure fires it.
    const text = renderRun(inspection, palette(false));
    expect(text).toMatch(/#4 +celeriac:error +succeeded +0 tries +on failure of #0 #1 #2\n/);
    expect(text).toMatch(/#5 +notify +succeeded +1 try .*← #4/);
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

  it("the callback's own failure is recorded and retried like any node's; the run's failure stays the element's", async () => {
    const app = makeApp();
    const { add, boom } = await setup(app);
    let calls = 0;
    const flaky = app.task({ name: 'flaky', retry: { attempts: 3 } }, (failure: TaskFailure) => {
      calls++;
      if (calls < 3) throw new Error(`pager down (${calls})`);
      return `paged about #${failure.nodeId}`;
    });
    const hopeless = app.task({ name: 'hopeless' }, (_failure: TaskFailure): string => {
      throw new RangeError('no one to tell');
    });
    const retried = await app.submit(chain(add.s(1, 1), boom.s()).onError(chain(flaky.s(), add.si(0, 7))));
    await expect(retried.result({ timeoutMs: 10_000 })).rejects.toThrow('boom on 2');
    const inspection = await settled(retried);
    // Retried twice in the failed run, then the callback's second step ran after it.
    expect(inspection.nodes.filter((node) => node.task === 'flaky').map((node) => [node.status, node.attempts])).toEqual([['succeeded', 3]]);
    expect(inspection.nodes.at(-1)).toMatchObject({ task: 'add', status: 'succeeded' });
    expect(inspection).toMatchObject({ status: 'failed', failedNode: '1' });

    const failed = await app.submit(chain(add.s(1, 1), boom.s()).onError(hopeless.s()));
    const error = await failed.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect((error as WorkflowFailedError).nodeId).toBe('1');
    const after = await settled(failed);
    expect(after.nodes.find((node) => node.task === 'hopeless')?.status).toBe('failed');
    expect(after).toMatchObject({ status: 'failed', failedNode: '1' });
    await expect(failed.result({ timeoutMs: 10_000 })).rejects.toThrow('boom on 2');
  });

  it('nested elements: a failure fires every callback around it, each once; a callback failing fires nothing', async () => {
    const app = makeApp();
    const { add, boom, failures } = await setup(app);
    const outer: TaskFailure[] = [];
    const tellOuter = app.task({ name: 'tellOuter' }, (failure: TaskFailure) => void outer.push(failure));
    const hopeless = app.task({ name: 'hopeless' }, (_failure: TaskFailure): string => {
      throw new RangeError('no one to tell');
    });
    const run = await app.submit(chain(chain(add.s(2, 3), boom.s()).onError(hopeless.s()), add.s(1)).onError(tellOuter.s()));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    const inspection = await settled(run);
    expect(inspection.nodes.find((node) => node.task === 'hopeless')?.status).toBe('failed');
    expect(outer.map((failure) => [failure.nodeId, failure.task])).toEqual([['1', 'boom']]);
    expect(failures).toHaveLength(0);
    expect(inspection.nodes.filter((node) => node.task === 'celeriac:error').map((node) => node.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('in a group member, a chord header and a when branch: only the element that failed calls back; a branch not taken skips its callback', async () => {
    const app = makeApp();
    const { add, boom, notify, tsum, failures } = await setup(app);
    const isBig = app.task({ name: 'isBig' }, (value: number) => value > 10);
    const header = chord(
      [add.si(1, 1).onError(notify.s('first')), chain(add.si(2, 2), boom.s()).onError(notify.s('second'))],
      tsum.s(),
    );
    const run = await app.submit(header);
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('boom on 4');
    await settled(run);
    expect(failures.map(({ failure, team }) => [team, failure.task, failure.error.message])).toEqual([['second', 'boom', 'boom on 4']]);

    failures.length = 0;
    const branched = await app.submit(chain(add.s(1, 2), when(isBig.s(), boom.s().onError(notify.s('then')), add.s(10).onError(notify.s('else')))));
    expect(await branched.result({ timeoutMs: 10_000 })).toBe(13);
    const statuses = (await settled(branched)).nodes.map((node) => `${node.task}:${node.status}`);
    // The branch not taken is skipped whole, its callback with it; the one taken succeeded, so its callback is skipped.
    expect(statuses).toEqual([
      'add:succeeded', 'isBig:succeeded',
      'boom:skipped', 'celeriac:no-error:skipped', 'celeriac:error:skipped', 'notify:skipped',
      'add:succeeded', 'celeriac:no-error:succeeded', 'celeriac:error:skipped', 'notify:skipped',
    ]);
    expect(failures).toHaveLength(0);
  });

  it("map: an element's callback runs per failing item; a callback around the map runs once, for an item or for the map's own input", async () => {
    const app = makeApp();
    const { identity, notify, failures } = await setup(app);
    const list = app.task({ name: 'list' }, (values: number[]) => values);
    const check = app.task({ name: 'check' }, (value: number) => {
      if (value % 2 === 1) throw new Error(`odd ${value}`);
      return value;
    });
    const perItem = await app.submit(chain(list.si([1, 2, 3, 4]), map(check.s().onError(notify.s('item')))));
    await expect(perItem.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await settled(perItem);
    expect(failures.map(({ failure }) => failure.error.message).sort()).toEqual(['odd 1', 'odd 3']);

    failures.length = 0;
    const around = await app.submit(chain(list.si([2, 4, 5, 7]), map(check.s()), identity.s()).onError(notify.s('map')));
    await expect(around.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    const inspection = await settled(around);
    expect(failures).toHaveLength(1);
    expect(['odd 5', 'odd 7']).toContain(failures[0]!.failure.error.message);
    // The item that failed is a node the map added: its parent is the map node.
    const failedNode = inspection.nodes.find((node) => node.id === failures[0]!.failure.nodeId);
    expect(failedNode).toMatchObject({ task: 'check', status: 'failed', parent: '1' });

    failures.length = 0;
    // A producer whose declared type lies: at run time its value is not a list.
    const lying = app.task({ name: 'lying' }, (): number[] => JSON.parse('"nope"') as number[]);
    const notAList = await app.submit(chain(lying.si(), map(check.s())).onError(notify.s('input')));
    await expect(notAList.result({ timeoutMs: 10_000 })).rejects.toThrow();
    await settled(notAList);
    expect(failures.map(({ failure }) => [failure.task, failure.error.name])).toEqual([['celeriac:map', 'MapInputError']]);
  });

  it('an element cut short by a failure elsewhere does not call back: its callback is cancelled with it', async () => {
    const app = makeApp();
    const { add, boom, notify, failures } = await setup(app);
    let runFailed!: () => void;
    const failedElsewhere = new Promise<void>((resolve) => (runFailed = resolve));
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      await failedElsewhere;
      return value;
    });
    const run = await app.submit(group(chain(slow.si(1), add.s(1)).onError(notify.s('cut')), boom.si(2)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('boom on 2');
    runFailed();
    const inspection = await settled(run);
    expect(inspection.nodes.map((node) => `${node.task}:${node.status}`)).toEqual([
      'slow:succeeded', 'add:cancelled', 'celeriac:no-error:cancelled', 'celeriac:error:cancelled', 'notify:cancelled', 'boom:failed',
    ]);
    expect(failures).toHaveLength(0);
  });

  it('an element that succeeds in a run failed elsewhere: its callback is cancelled with what was left; a resume skips it', async () => {
    const app = makeApp();
    const { add, notify, failures } = await setup(app);
    let runFailed!: () => void;
    const failedElsewhere = new Promise<void>((resolve) => (runFailed = resolve));
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      await failedElsewhere;
      return value;
    });
    let broken = true;
    const fragile = app.task({ name: 'fragile' }, (value: number) => {
      if (broken) throw new Error('broken');
      return value;
    });
    const run = await app.submit(group(slow.si(1).onError(notify.s('fine')), chain(add.si(1, 1), fragile.s())));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('broken');
    runFailed();
    // slow succeeds after the run failed: what follows it is cancelled, the callback's error node with it.
    expect((await settled(run)).nodes.map((node) => `${node.task}:${node.status}`)).toEqual([
      'slow:succeeded', 'celeriac:no-error:cancelled', 'celeriac:error:cancelled', 'notify:cancelled', 'add:succeeded', 'fragile:failed',
    ]);
    broken = false;
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toEqual([1, 2]);
    expect((await settled(run)).nodes.map((node) => `${node.task}:${node.status}`)).toEqual([
      'slow:succeeded', 'celeriac:no-error:succeeded', 'celeriac:error:skipped', 'notify:skipped', 'add:succeeded', 'fragile:succeeded',
    ]);
    expect(failures).toHaveLength(0);
  });

  it('a replacement inside the element is guarded by it', async () => {
    const app = makeApp();
    const { boom, notify, failures } = await setup(app);
    const later = app.task({ name: 'later' }, (n: number) => replace(chain(boom.si(n), boom.s())));
    const run = await app.submit(chain(later.si(9), boom.s()).onError(notify.s('replaced')));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('boom on 9');
    const inspection = await settled(run);
    expect(failures.map(({ failure }) => failure.error.message)).toEqual(['boom on 9']);
    expect(inspection.nodes.find((node) => node.id === failures[0]!.failure.nodeId)).toMatchObject({ task: 'boom', parent: '0' });
  });

  it('resume: the element runs again and the run succeeds; the callback that ran keeps its record and does not run again', async () => {
    const app = makeApp();
    const { add, notify, failures } = await setup(app);
    let broken = true;
    const fragile = app.task({ name: 'fragile' }, (value: number) => {
      if (broken) throw new Error('still broken');
      return value * 2;
    });
    const run = await app.submit(chain(chain(add.s(1, 2), fragile.s()).onError(notify.s('ops')), add.s(1)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('still broken');
    await calledTimes(failures, 1);
    await settled(run);
    // Failing again after a resume does not call back again: once per element.
    await run.resume();
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('still broken');
    await settled(run);
    expect(failures).toHaveLength(1);
    broken = false;
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(7);
    expect(await statusByTask(run)).toEqual({
      add: 'succeeded,succeeded',
      fragile: 'succeeded',
      'celeriac:no-error': 'succeeded',
      'celeriac:error': 'succeeded',
      notify: 'succeeded',
    });
    expect(failures).toHaveLength(1);
  });

  it('rerun of an element that succeeded re-arms its callback: a failure after the rerun calls back', async () => {
    const app = makeApp();
    const { add, notify, failures } = await setup(app);
    let broken = false;
    const fragile = app.task({ name: 'fragile' }, (value: number) => {
      if (broken) throw new Error('broken by the rerun');
      return value * 2;
    });
    const run = await app.submit(chain(add.s(1, 2), fragile.s()).onError(notify.s('ops')));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(6);
    expect((await settled(run)).nodes.map((node) => node.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'skipped', 'skipped']);
    broken = true;
    await run.rerun({ from: '1' });
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toThrow('broken by the rerun');
    await calledTimes(failures, 1);
    expect(failures[0]!.failure).toMatchObject({ nodeId: '1', task: 'fragile' });
    expect((await settled(run)).nodes.map((node) => node.status)).toEqual(['succeeded', 'failed', 'cancelled', 'succeeded', 'succeeded']);
  });

  it('cancel cancels the callback with the rest; a resume after it finishes the run and skips the callback', async () => {
    const app = makeApp();
    const { add, notify, failures } = await setup(app);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      entered();
      await gate;
      return value;
    });
    const run = await app.submit(chain(add.s(1, 2), slow.s()).onError(notify.s('ops')));
    await inside;
    expect(await run.cancel()).toMatchObject({ changed: true, cancelledNodes: 3, runningNodes: 1 });
    release();
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect((await settled(run)).nodes.map((node) => node.status)).toEqual(['succeeded', 'cancelled', 'cancelled', 'cancelled', 'cancelled']);
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    expect((await settled(run)).nodes.map((node) => node.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'skipped', 'skipped']);
    expect(failures).toHaveLength(0);
  });

  it('a failure no worker reported (lease expiries exhausted) fires the callback; the repair sweep releases it', async () => {
    const app = makeApp({ maxLeaseExpiries: 1 });
    const { add, notify, failures } = await setup(app, false);
    const nodes = new SteppingNodeStore(app.redis, app.keys);
    const run = await app.submit(chain(add.si(1, 1), add.s(1)).onError(notify.s('lost')));
    const shard = app.keys.forRun(run.id);
    let outcome: Awaited<ReturnType<SteppingNodeStore['start']>> | null = null;
    for (let delivery = 0; delivery < 3 && !(outcome && 'skipped' in outcome); delivery++) {
      const { claimed } = await nodes.claim(app.keys.shardOf(run.id), ['default'], 1, 30_000);
      outcome = await nodes.start(parseMessage(claimed[0]!.message)!, 'default', 1, '{"name":"LeaseExpiredError","message":"its workers kept dying"}');
      await app.redis.zadd(shard.queue('default').leases, 0, claimed[0]!.message); // the worker dies: its lease expires
    }
    expect(outcome).toEqual({ skipped: 'lease-expiries-exhausted' });
    // Fired in the same step: the error node holds the failure, the run waits in the errbacks set.
    expect(await app.redis.zrange(shard.errbacks, 0, -1)).toEqual([run.id]);
    expect((await run.inspect()).nodes.map((node) => node.status)).toEqual(['failed', 'cancelled', 'cancelled', 'succeeded', 'pending']);
    const report = await app.repair();
    expect(report.errbacks).toBe(1);
    expect(await app.redis.zcard(shard.errbacks)).toBe(0);
    expect((await run.inspect()).nodes.at(-1)?.status).toBe('queued');
    // Released once: a second sweep finds nothing to do.
    expect((await app.repair()).errbacks).toBe(0);
    await app.worker().start();
    await calledTimes(failures, 1);
    expect(failures[0]).toMatchObject({ team: 'lost', failure: { runId: run.id, nodeId: '0', task: 'add', error: { name: 'LeaseExpiredError', message: 'its workers kept dying' } } });
  });
});
