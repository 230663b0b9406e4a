import { describe, expect, it } from 'vitest';
import {
  type App,
  CeleriacError,
  chain,
  group,
  RunDamagedError,
  RunExpiredError,
  RunNotFoundError,
  type Run,
} from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';
import { retainedEvents } from '../helpers/events.js';

/**
 * Each key of a run deleted in turn, for a running run and a succeeded one: every read and
 * transition either answers from what it read, or rejects with a typed error naming the run;
 * never a raw Redis or Lua error, never a value made up for what is gone.
 */
const RUN_KEYS = ['run', 'nodes', 'specs', 'results', 'errors'] as const;
type RunKey = (typeof RUN_KEYS)[number];

/** The value of chain(group(add(1, 1), add(2, 2)), sum()). */
const VALUE = 6;

function tasksOf(app: App) {
  const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((total, value) => total + value, 0));
  return { add, sum };
}

type Outcome = { readonly value: unknown } | { readonly error: unknown };
const settle = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

/** A rejection is a typed error about this run: gone (meta deleted) or damaged. */
function expectTyped(outcome: Outcome, runId: string, what: string): void {
  if (!('error' in outcome)) return;
  const { error } = outcome;
  expect(error, `${what}: ${String(error)}`).toBeInstanceOf(CeleriacError);
  if (error instanceof RunDamagedError || error instanceof RunNotFoundError || error instanceof RunExpiredError) {
    expect(error.runId, what).toBe(runId);
  }
}

describe.each(['running', 'succeeded'] as const)('a %s run with one of its keys deleted', (state) => {
  const makeApp = useApps();
  const redis = useRedis();

  /**
   * One run per operation (operations change the run), each then damaged the same way. A running
   * run is half done: its group succeeded, and its join waits, queued, on a queue no worker takes
   * yet; a succeeded run is done.
   */
  async function damagedRuns(key: RunKey, count: number): Promise<{ app: App; runs: Run[]; tasks: ReturnType<typeof tasksOf> }> {
    const app = makeApp();
    const tasks = tasksOf(app);
    const { add, sum } = tasks;
    const runs: Run[] = [];
    const join = state === 'running' ? sum.s().set({ queue: 'later' }) : sum.s();
    for (let index = 0; index < count; index++) runs.push(await app.submit(chain(group(add.si(1, 1), add.si(2, 2)), join)));
    const worker = app.worker();
    await worker.start();
    if (state === 'succeeded') {
      for (const run of runs) expect(await run.result({ timeoutMs: 10_000 })).toBe(VALUE);
    } else {
      for (const run of runs) {
        while ((await run.progress()).counts.succeeded < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await worker.close();
    for (const run of runs) await redis().del(app.keys.run(run.id)[key]);
    return { app, runs, tasks };
  }

  it.each(RUN_KEYS)('without its %s key: reads and transitions answer truly or reject typed', async (key) => {
    const { runs } = await damagedRuns(key, 9);
    const operations: Record<string, (run: Run) => Promise<unknown>> = {
      inspect: (run) => run.inspect(),
      'inspect with results': (run) => run.inspect({ results: true }),
      progress: (run) => run.progress(),
      inspectNode: (run) => run.inspectNode('2', { values: true }),
      cancel: (run) => run.cancel(),
      resume: (run) => run.resume(),
      rerun: (run) => run.rerun({ from: '0' }),
      delete: (run) => run.delete({ force: true }),
    };
    // A running run is only waited on when its meta says it finished.
    if (state === 'succeeded' || key === 'run') operations.result = (run) => run.result({ timeoutMs: 10_000 });
    const outcomes: Record<string, Outcome> = {};
    for (const [index, [what, operation]] of Object.entries(operations).entries()) {
      const run = runs[index]!;
      outcomes[what] = await settle(operation(run));
      expectTyped(outcomes[what], run.id, `${what} (${key} deleted)`);
    }

    if (key === 'run') {
      // The meta is what makes a run exist: without it the run is gone, whatever else is left.
      for (const what of ['inspect', 'progress', 'inspectNode', 'cancel', 'resume', 'rerun', 'delete', 'result']) {
        const outcome = outcomes[what]!;
        expect('error' in outcome ? outcome.error : outcome, what).toSatisfy(
          (error) => error instanceof RunNotFoundError || error instanceof RunExpiredError,
        );
      }
    }
    const result = outcomes.result;
    if (result && 'value' in result) {
      // Only a value it read: every result the output names was there.
      expect(key === 'results').toBe(false);
      expect(result.value).toBe(VALUE);
    }
    if (state === 'succeeded' && key === 'results') expect(result && 'error' in result && result.error).toBeInstanceOf(RunDamagedError);
    if (key === 'nodes' || key === 'specs') {
      // Without node states or specs the nodes cannot be listed truly: inspect says so.
      if (state === 'succeeded' || key === 'specs' || key === 'nodes') {
        const outcome = outcomes.inspect!;
        expect('error' in outcome && outcome.error, 'inspect').toBeInstanceOf(RunDamagedError);
      }
    }
    if (state === 'succeeded' && key === 'results') {
      const outcome = outcomes['inspect with results']!;
      expect('error' in outcome && outcome.error, 'inspect with results').toBeInstanceOf(RunDamagedError);
    }
  });

  it.each(RUN_KEYS)('without its %s key: the repair sweep reports it as damaged and goes on with the next run', async (key) => {
    const { app, runs, tasks } = await damagedRuns(key, 1);
    const { add } = tasks;
    // A later run that lost one root's message, as a restored snapshot might: the sweep must reach it.
    const orphaned = await app.submit(group(add.si(1, 1), add.si(2, 2)));
    expect(await redis().zrem(app.keys.shards[0]!.queue('default').ready, `${orphaned.id}|1|1|0`)).toBe(1);
    const damagedRun = runs[0]!;
    const report = await app.repair();
    expect(report.repaired).toEqual([{ runId: orphaned.id, nodeId: '1', status: 'queued' }]);
    // A running run that lost what repairing reads is damaged; a run whose meta is gone is not
    // running any more (the sweep finds it through the index and skips it); a succeeded run is
    // not looked at, nor is damage the sweep does not read (results, errors).
    const expectDamaged = state === 'running' && (key === 'nodes' || key === 'specs');
    expect(report.damaged.map((damaged) => damaged.runId)).toEqual(expectDamaged ? [damagedRun.id] : []);
    for (const damaged of report.damaged) {
      expect(damaged.error).toBeInstanceOf(RunDamagedError);
      expect(damaged.error).toMatchObject({ runId: damagedRun.id, reason: damaged.reason });
    }
    // The event stream says it once: a later sweep finds the same damage and writes nothing new.
    const damagedEvents = async () =>
      (await retainedEvents(app)).flatMap((event) => (event.type === 'run.damaged' ? [[event.runId, event.reason]] : []));
    const expected = report.damaged.map((damaged) => [damaged.runId, damaged.reason]);
    expect(await damagedEvents()).toEqual(expected);
    const again = await app.repair();
    expect(again.damaged.map((damaged) => [damaged.runId, damaged.reason])).toEqual(expected);
    expect(await damagedEvents()).toEqual(expected);
  });

  it.each(RUN_KEYS)('without its %s key: a worker acting on the run reports only typed errors', async (key) => {
    const errors: unknown[] = [];
    const { app, runs } = await damagedRuns(key, 1);
    const run = runs[0]!;
    const deadLettersBefore = (await app.deadLetters({ limit: 100 })).entries.length;
    const worker = app.worker({ queues: ['default', 'later'], onError: (error) => errors.push(error) });
    await worker.start();
    // A rerun after the damage gives a succeeded run's nodes to the worker too.
    const rerun = await settle(run.rerun({ from: '0' }));
    expectTyped(rerun, run.id, 'rerun');
    const result = await settle(run.result({ timeoutMs: 3_000 }));
    await worker.close();
    expectTyped(result, run.id, 'result');
    if ('value' in result) expect(result.value).toBe(VALUE);
    for (const error of errors) expect(error, String(error)).toBeInstanceOf(CeleriacError);
    if (state === 'running' && key === 'specs') {
      // The queued join has a state but no spec: its message is set aside, named as damage.
      const { entries } = await app.deadLetters({ limit: 100 });
      expect(entries.slice(0, entries.length - deadLettersBefore).map((entry) => [entry.runId, entry.nodeId, entry.reason])).toEqual([
        [run.id, '2', 'run-damaged'],
      ]);
    }
  });
});
