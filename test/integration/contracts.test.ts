import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ArgsValidationError,
  chain,
  chord,
  ConfigError,
  defineTask,
  DuplicateTaskError,
  group,
  type TaskContract,
} from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';

// What a shared contracts module exports: names, schemas and options, no handler code.
const contracts = {
  add: defineTask({ name: 'math.add', args: z.tuple([z.number(), z.number()]), result: z.number(), queue: 'math' }),
  total: defineTask({ name: 'math.total', args: v.tuple([v.array(v.number())]), result: v.number(), queue: 'math' }),
  label: defineTask<[value: number, unit: string], string>({ name: 'math.label', queue: 'math', priority: 3 }),
};

describe('task contracts: producers without handler code', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a producer with only contracts submits; a worker app implements them; the run succeeds', async () => {
    const producer = makeApp();
    const worker = makeApp({ prefix: producer.config.prefix });
    worker.implement(contracts.add, (x, y) => x + y);
    worker.implement(contracts.total, (values) => values.reduce((sum, value) => sum + value, 0));
    worker.implement(contracts.label, (value, unit) => `${value} ${unit}`);
    await worker.worker({ queues: ['math'] }).start();

    const run = await producer.submit(
      chain(chord([contracts.add.s(1, 2), contracts.add.s(3, 4)], contracts.total.s()), contracts.label.s('cm')),
    );
    expect(await run.result({ timeoutMs: 10_000 })).toBe('10 cm');
    // The worker consumes only the "math" queue: the contract's queue reached submit with the
    // signatures, with no registry lookup in the producer.
  });

  it('a contract signature with bad args is refused at submit, and nothing is written', async () => {
    const producer = makeApp();
    const error = await producer
      .submit(group(contracts.add.s(1, 2), contracts.add.s(1, 'two' as never)))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toBe(
      'group[1] > math.add: arguments of task "math.add" are invalid: args[1]: Invalid input: expected number, received string',
    );
    const partial = await producer
      .submit(chain(contracts.add.s(1, 2), contracts.add.s('x' as never)))
      .catch((caught: unknown) => caught);
    expect(partial).toBeInstanceOf(ArgsValidationError);
    expect((partial as Error).message).toBe(
      'chain[1] > math.add: arguments of task "math.add" are invalid: args[1]: Invalid input: expected number, received string',
    );
    expect(await keysOf(redis(), producer)).toEqual([]);
  });

  it('implementing a name twice is a typed error, whether the same contract or another of that name', () => {
    const app = makeApp();
    app.implement(contracts.add, (x, y) => x + y);
    const twice = (() => app.implement(contracts.add, (x, y) => x * y)) as () => unknown;
    expect(twice).toThrow(DuplicateTaskError);
    expect(twice).toThrow('task "math.add" is already registered in this app');
    const impostor = defineTask({ name: 'math.add', args: z.tuple([z.string()]) });
    const other = (() => app.implement(impostor, (text) => text)) as () => unknown;
    expect(other).toThrow(DuplicateTaskError);
    expect(other).toThrow('task "math.add" is already registered in this app by another contract of the same name');
    const error = (() => {
      try {
        other();
      } catch (caught) {
        return caught as DuplicateTaskError;
      }
    })();
    expect(error).toMatchObject({ code: 'TASK_DUPLICATE', task: 'math.add', sameContract: false });
    // app.task is the same two steps: a task's name is taken for implement too.
    app.task({ name: 'local' }, () => 1);
    expect(() => app.implement(defineTask({ name: 'local' }), () => 2)).toThrow(DuplicateTaskError);
  });

  it('implement refuses what is not a contract made by defineTask, and a handler that is not a function', () => {
    const app = makeApp();
    const lookalike = { name: 'math.add', spec: { name: 'math.add' }, s: () => null } as unknown as TaskContract<[], number>;
    expect(() => app.implement(lookalike, () => 1)).toThrow(ConfigError);
    expect(() => app.implement(lookalike, () => 1)).toThrow('app.implement(): expected a contract made by defineTask()');
    expect(() => app.implement(contracts.label, 'nope' as never)).toThrow('app.implement("math.label"): the handler must be a function');
  });

  it('defineTask checks its options like app.task', () => {
    expect(() => defineTask({ name: 'bad name' })).toThrow('defineTask("bad name"): options.name: must not contain "|" or white space');
    expect(() => defineTask({ name: 'x', args: {} as never })).toThrow(ConfigError);
    expect(() => defineTask({ name: 'x', queue: 'a{b}' })).toThrow(/defineTask\("x"\): options\.queue/);
  });
});
