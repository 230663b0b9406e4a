import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { chain, chord, createApp, dag, type DagNode, group, map, replace, type Run, type Signature, type Spread, type TaskFailure, when } from '../../src/index.js';

const app = createApp({ prefix: 'types' });
const add = app.task(
  { name: 'add', args: z.tuple([z.number(), z.number()]), result: z.number() },
  async (x, y) => x + y,
);
const tsum = app.task({ name: 'tsum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
const shout = app.task({ name: 'shout' }, (text: string) => text.toUpperCase());
const length = app.task({ name: 'length', args: z.tuple([z.string()]) }, (text) => text.length);

describe('inferred task and signature types', () => {
  it('handler parameters come from the args schema', () => {
    app.task({ name: 'typed', args: z.tuple([z.string(), z.number()]) }, (text, count) => {
      expectTypeOf(text).toEqualTypeOf<string>();
      expectTypeOf(count).toEqualTypeOf<number>();
      return null;
    });
  });

  it('s() with every argument is a root; with all but the first it takes the parent value', () => {
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<never, number>>();
    expectTypeOf(add.s(1)).toEqualTypeOf<Signature<number, number>>();
    expectTypeOf(add.si(1, 2)).toEqualTypeOf<Signature<unknown, number>>();
    expectTypeOf(shout.s()).toEqualTypeOf<Signature<string, string>>();
  });

  it('submit returns a Run of the canvas value', async () => {
    expectTypeOf(await app.submit(chain(add.s(4, 4), add.s(8), add.s(16)))).toEqualTypeOf<Run<number>>();
    expectTypeOf(await app.submit(group(add.si(1, 1), shout.si('a')))).toEqualTypeOf<Run<[number, string]>>();
    // Groups directly in groups are flattened in the type too; a chain ending in a group nests.
    expectTypeOf(await app.submit(group(add.si(1, 1), group(shout.si('a'), add.si(2, 2))))).toEqualTypeOf<
      Run<[number, string, number]>
    >();
    expectTypeOf(await app.submit(group(add.si(1, 1), chain(add.si(1, 1), group(add.s(1), add.s(2)))))).toEqualTypeOf<
      Run<[number, [number, number]]>
    >();
    expectTypeOf(await app.submit(chord([add.si(1, 1), add.si(2, 2)], tsum.s()))).toEqualTypeOf<Run<number>>();
    expectTypeOf(await app.submit(chain(add.s(1, 1), group(add.s(1), add.s(2)), tsum.s()))).toEqualTypeOf<Run<number>>();
  });
});

describe('links whose types do not line up fail to compile', () => {
  it('a chain step that does not accept the previous value', () => {
    // @ts-expect-error shout takes a string, add returns a number
    chain(add.s(1, 2), shout.s());
    // @ts-expect-error the mismatch is found deep in a long chain too
    chain(add.s(1, 2), add.s(1), add.s(2), add.s(3), length.s());
    chain(shout.s('a'), length.s(), add.s(1)); // lines up
  });

  it('a fully bound signature cannot take a parent value', () => {
    // @ts-expect-error add.s(1, 2) already has both arguments
    chain(add.s(1, 2), add.s(3, 4));
    chain(add.s(1, 2), add.si(3, 4)); // immutable: fine
  });

  it('a chord body must accept the header list', () => {
    // @ts-expect-error shout takes a string, the header gives number[]
    chord([add.si(1, 1)], shout.s());
    chord([add.si(1, 1), add.si(2, 2)], tsum.s());
  });

  it('a group after a step must accept that step value in every member', () => {
    // @ts-expect-error one member takes a string
    chain(add.s(1, 1), group(add.s(1), shout.s()));
  });

  it('s() with a wrong argument type or count', () => {
    // @ts-expect-error a string where a number is due
    add.s('1', 2);
    // @ts-expect-error three arguments
    add.s(1, 2, 3);
  });
});

describe('chain() with an array of steps', () => {
  it('a literal tuple is typed and checked like the variadic form', () => {
    expectTypeOf(chain([add.s(4, 4), add.s(8)])).toEqualTypeOf(chain(add.s(4, 4), add.s(8)));
    // @ts-expect-error shout takes a string, add returns a number
    chain([add.s(1, 2), shout.s()]);
  });

  it('an array built at run time is not checked: its value is unknown', () => {
    const steps: import('../../src/index.js').AnyCanvas[] = [add.s(1, 2), shout.s() as never];
    expectTypeOf(chain(steps)).toEqualTypeOf<import('../../src/index.js').Chain<never, unknown>>();
  });
});

describe('dag nodes with several parents', () => {
  const label = app.task({ name: 'label' }, (value: number, unit: string, suffix: string) => `${value}${unit}${suffix}`);

  it('s() leaving several leading arguments open takes a Spread of them', () => {
    expectTypeOf(add.s()).toEqualTypeOf<Signature<Spread<[number, number]>, number>>();
    expectTypeOf(label.s('!')).toEqualTypeOf<Signature<Spread<[value: number, unit: string]>, string>>();
    // @ts-expect-error a string where the bound last argument is due
    label.s(1);
  });

  it('a node after its parents must accept their values in after order', () => {
    const g = dag();
    const a = g.add(add.si(1, 2));
    const text = g.add(shout.si('a'));
    expectTypeOf(a).toEqualTypeOf<DagNode<number>>();
    g.add(add.s(), { after: [a, a] });
    g.add(label.s('!'), { after: [a, text] });
    g.add(add.s(1), { after: [a] });
    g.add(tsum.si([1]), { after: [text, a] }); // immutable: waits, reads nothing
    // @ts-expect-error label takes (number, string): the parents give (string, number)
    g.add(label.s('!'), { after: [text, a] });
    // @ts-expect-error shout takes a string, the one parent gives a number
    g.add(shout.s(), { after: [a] });
    // @ts-expect-error add takes two values, three parents give three
    g.add(add.s(), { after: [a, a, a] });
  });

  it('a node without after takes the dag input; a typed dag is a chain step', () => {
    const g = dag<number, number>();
    g.add(add.s(1));
    // @ts-expect-error the dag receives a number, shout takes a string
    g.add(shout.s());
    chain(add.s(1, 2), g, add.s(3));
    // @ts-expect-error shout gives a string, the dag takes a number
    chain(shout.s('a'), g);
    // @ts-expect-error a Spread signature is not a chain step
    chain(add.s(1, 2), add.s());
  });

  it('submit returns a Run of the dag value its type names', async () => {
    expectTypeOf(await app.submit(dag<never, [number, string]>())).toEqualTypeOf<Run<[number, string]>>();
  });
});

describe('when', () => {
  const isPositive = app.task({ name: 'isPositive' }, (value: number) => value > 0);
  const toText = app.task({ name: 'toText' }, (value: number) => `${value}`);

  it('its value is the union of its branches, or of then and its input without otherwise', async () => {
    expectTypeOf(await app.submit(chain(add.s(1, 2), when(isPositive.s(), add.s(1), toText.s())))).toEqualTypeOf<Run<number | string>>();
    expectTypeOf(await app.submit(chain(add.s(1, 2), when(isPositive.s(), toText.s())))).toEqualTypeOf<Run<string | number>>();
  });

  it('every part must accept the input', () => {
    // @ts-expect-error shout takes a string, the when receives a number
    chain(add.s(1, 2), when(isPositive.s(), shout.s()));
    // @ts-expect-error the predicate takes a number, the when receives a string
    chain(shout.s('a'), when(isPositive.s(), length.s()));
    // @ts-expect-error what follows must accept both branches' values: tsum takes a list
    chain(add.s(1, 2), when(isPositive.s(), add.s(1), toText.s()), tsum.s());
  });
});

describe('map', () => {
  const listFiles = app.task({ name: 'listFiles' }, (dir: string) => [`${dir}/a`, `${dir}/b`]);
  const countRange = app.task({ name: 'countRange' }, (count: number) => Array.from({ length: count }, (_, index) => index));

  it('after a step whose value is T[], its element takes T and its value is R[]', async () => {
    expectTypeOf(await app.submit(chain(listFiles.s('docs'), map(shout.s())))).toEqualTypeOf<Run<string[]>>();
    expectTypeOf(await app.submit(chain(listFiles.s('docs'), map(chain(shout.s(), length.s())), tsum.s()))).toEqualTypeOf<Run<number>>();
    expectTypeOf(await app.submit(chain(countRange.s(3), map(add.s(1))))).toEqualTypeOf<Run<number[]>>();
  });

  it('mismatches fail to compile', () => {
    // @ts-expect-error the element takes a number, the list holds strings
    chain(listFiles.s('docs'), map(add.s(1)));
    // @ts-expect-error a map needs a list: add gives a number
    chain(add.s(1, 2), map(add.s(1)));
    // @ts-expect-error what follows receives string[], tsum takes number[]
    chain(listFiles.s('docs'), map(shout.s()), tsum.s());
  });
});

describe('replace', () => {
  const fanOut = app.task({ name: 'fanOutTyped' }, (n: number) => replace(group(Array.from({ length: n }, (_, index) => add.si(index, 1)))));
  const either = app.task({ name: 'eitherTyped' }, (n: number) => (n > 0 ? replace(add.si(n, 1)) : 0));

  it('a task that returns replace(canvas) has the canvas value as its value', async () => {
    expectTypeOf(await app.submit(fanOut.s(3))).toEqualTypeOf<Run<number[]>>();
    expectTypeOf(await app.submit(chain(fanOut.s(3), tsum.s()))).toEqualTypeOf<Run<number>>();
    expectTypeOf(await app.submit(either.s(3))).toEqualTypeOf<Run<number>>();
  });

  it('what follows must accept the replacement\'s value', () => {
    // @ts-expect-error shout takes a string; the replacement's value is number[]
    chain(fanOut.s(3), shout.s());
  });
});

describe('onError', () => {
  const notify = app.task({ name: 'notifyTyped' }, (failure: TaskFailure, team: string) => `${failure.task}: ${team}`);

  it('an element with a callback accepts and produces what the element does', async () => {
    expectTypeOf(await app.submit(chain(add.s(1, 2), add.s(3)).onError(notify.s('ops')))).toEqualTypeOf<Run<number>>();
    expectTypeOf(await app.submit(chain(add.s(1, 2), add.s(3).onError(notify.s('ops')), tsum.si([1])))).toEqualTypeOf<Run<number>>();
    // An immutable callback ignores the failure.
    expectTypeOf(await app.submit(group(add.si(1, 2), add.si(3, 4)).onError(shout.si('failed')))).toEqualTypeOf<Run<[number, number]>>();
  });

  it('the callback must accept the failure; what follows must accept the element value', () => {
    // @ts-expect-error add takes numbers, the callback receives a TaskFailure
    chain(add.s(1, 2), add.s(3)).onError(add.s(1));
    // @ts-expect-error the element gives a number, shout takes a string
    chain(add.s(1, 2).onError(notify.s('ops')), shout.s());
  });
});
