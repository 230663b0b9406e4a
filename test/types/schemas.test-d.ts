import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod3';
import { chain, chord, createApp, defineTask, group, type JsonOf, type Run, Signature, type TaskContract } from '../../src/index.js';

const app = createApp({ prefix: 'schema-types' });

describe('any Standard Schema library gives the task its types', () => {
  it('zod 3', () => {
    const repeat = app.task(
      { name: 'z3.repeat', args: z3.tuple([z3.string(), z3.number().int()]), result: z3.string() },
      (text, times) => {
        expectTypeOf(text).toEqualTypeOf<string>();
        expectTypeOf(times).toEqualTypeOf<number>();
        return text.repeat(times);
      },
    );
    expectTypeOf(repeat.s('a', 2)).toEqualTypeOf<Signature<never, string>>();
    expectTypeOf(repeat.s(2)).toEqualTypeOf<Signature<string, string>>();
    // @ts-expect-error a number where the schema wants a string
    repeat.s(1, 2);
  });

  it('zod 4', () => {
    const count = app.task({ name: 'z4.count', args: z.tuple([z.array(z.string())]), result: z.number() }, (items) => {
      expectTypeOf(items).toEqualTypeOf<string[]>();
      return items.length;
    });
    expectTypeOf(count.s(['a'])).toEqualTypeOf<Signature<never, number>>();
  });

  it('valibot', () => {
    const upper = app.task({ name: 'v.upper', args: v.tuple([v.string()]), result: v.string() }, (text) => {
      expectTypeOf(text).toEqualTypeOf<string>();
      return text.toUpperCase();
    });
    expectTypeOf(upper.s('a')).toEqualTypeOf<Signature<never, string>>();
    // @ts-expect-error the handler must return the result schema's input
    app.task({ name: 'v.bad', args: v.tuple([v.string()]), result: v.string() }, (text) => text.length);
  });

  it('input and output of a transforming schema: callers bind the input, the handler gets the output', () => {
    const parse = app.task(
      { name: 'z4.parse', args: z.tuple([z.string().transform((text) => text.length)]), result: z.number().transform(String) },
      (length) => {
        expectTypeOf(length).toEqualTypeOf<number>();
        return length * 2;
      },
    );
    expectTypeOf(parse.s('abc')).toEqualTypeOf<Signature<never, string>>();
  });
});

describe('contracts', () => {
  const add = defineTask({ name: 'c.add', args: z.tuple([z.number(), z.number()]), result: z.number() });
  const when = defineTask({ name: 'c.when', args: v.tuple([v.pipe(v.string(), v.transform((text) => new Date(text)))]) });
  const bare = defineTask<[label: string, count: number], { label: string; at: Date }>({ name: 'c.bare' });

  it('make signatures typed like a task', () => {
    expectTypeOf(add).toEqualTypeOf<TaskContract<[number, number], number, [number, number], number>>();
    expectTypeOf(add.s(1, 2)).toEqualTypeOf<Signature<never, number>>();
    expectTypeOf(add.s(1)).toEqualTypeOf<Signature<number, number>>();
    expectTypeOf(add.si(1, 2)).toEqualTypeOf<Signature<unknown, number>>();
    expectTypeOf(bare.s('a', 1)).toEqualTypeOf<Signature<never, { label: string; at: string }>>();
    // @ts-expect-error a string where a number is due
    add.s(1, '2');
  });

  it('implement types the handler from the contract', () => {
    const task = app.implement(add, (x, y) => {
      expectTypeOf(x).toEqualTypeOf<number>();
      expectTypeOf(y).toEqualTypeOf<number>();
      return x + y;
    });
    expectTypeOf(task.s(1, 2)).toEqualTypeOf<Signature<never, number>>();
    app.implement(when, (date) => {
      expectTypeOf(date).toEqualTypeOf<Date>();
      return date.getTime();
    });
    app.implement(bare, (label, count) => {
      expectTypeOf(label).toEqualTypeOf<string>();
      expectTypeOf(count).toEqualTypeOf<number>();
      return { label, at: new Date() };
    });
    // @ts-expect-error the result schema wants a number
    app.implement(add, (x, y) => `${x + y}`);
    // @ts-expect-error the handler's value must be the declared result type
    app.implement(bare, (label) => ({ label }));
  });

  it('compose with tasks in chains, groups and chords', () => {
    const tsum = defineTask<[values: number[]], number>({ name: 'c.tsum' });
    expectTypeOf(chain(add.s(1, 2), add.s(3), group(add.s(1), add.s(2)), tsum.s())).toEqualTypeOf<
      import('../../src/index.js').Chain<never, number>
    >();
    // @ts-expect-error tsum takes a list, add gives a number
    chain(add.s(1, 2), tsum.s());
  });
});

describe('types tell what arrives: a result is typed as its JSON form', () => {
  const now = app.task({ name: 'json.now' }, () => new Date());
  const nothing = app.task({ name: 'json.nothing' }, () => undefined);
  const noReturn = app.task({ name: 'json.void' }, (_value: unknown): void => {});
  const record = app.task({ name: 'json.record' }, () => ({ at: new Date(), note: undefined as string | undefined, n: 1 }));
  // A canvas that declares a Date input (made by hand: tsc refuses such a task, see below).
  const takesDate = new Signature<Date, number>('json.takesDate', [], false, {}, true);
  const takesText = app.task({ name: 'json.takesText' }, (text: string) => Date.parse(text));
  const coerces = app.task({ name: 'json.coerces', args: z.tuple([z.coerce.date()]) }, (date) => {
    expectTypeOf(date).toEqualTypeOf<Date>();
    return date.getTime();
  });

  it('a Date result is a string downstream and in run.result()', async () => {
    expectTypeOf(now.s()).toEqualTypeOf<Signature<never, string>>();
    expectTypeOf(await app.submit(now.s())).toEqualTypeOf<Run<string>>();
    expectTypeOf(await app.submit(record.s())).toEqualTypeOf<Run<{ at: string; n: number; note?: string }>>();
    expectTypeOf(await app.submit(group(now.s(), now.s()))).toEqualTypeOf<Run<[string, string]>>();
    expectTypeOf(await app.submit(chord([now.s()], app.signature<Date[]>('json.dates')))).toEqualTypeOf<Run<string[]>>();
  });

  it('a chain that would give a string where a Date is declared fails tsc', () => {
    // @ts-expect-error now's Date arrives as a string; takesDate declares a Date
    chain(now.s(), takesDate.s());
    // @ts-expect-error the same inside a group
    chain(now.s(), group(takesDate.s(), takesText.s()));
    // @ts-expect-error the same for a chord body that wants Dates
    chord([now.s()], new Signature<Date[], number>('json.sortDates', [], false, {}, true));
    chain(now.s(), takesText.s()); // the string it is
    chain(now.s(), coerces.s()); // a schema that turns the string back into a Date
  });

  it('a task whose parameters JSON cannot deliver fails tsc where it is defined', () => {
    // @ts-expect-error a Date parameter without an args schema would receive a string
    app.task({ name: 'json.dateParam' }, (date: Date) => date.getTime());
    // @ts-expect-error an args schema whose input is a Date: the worker validates the string that arrives
    app.task({ name: 'json.dateSchema', args: z.tuple([z.date()]) }, (date) => date);
    // @ts-expect-error the same for a contract's declared types
    defineTask<[when: Date], number>({ name: 'json.dateContract' });
    // @ts-expect-error and for a contract's schema
    defineTask({ name: 'json.dateContractSchema', args: v.tuple([v.date()]) });
    // What arrives, or a schema that accepts it and gives the handler something else, is fine.
    app.task({ name: 'json.isoParam' }, (iso: string, _at: { when: string; list: readonly number[] }) => Date.parse(iso));
    app.task({ name: 'json.coerced', args: z.tuple([z.coerce.date()]) }, (date) => date.getTime());
    defineTask({ name: 'json.parsed', args: v.tuple([v.pipe(v.string(), v.isoTimestamp(), v.transform((text) => new Date(text)))]) });
  });

  it('undefined becomes null, at the top; unknown stays unknown', async () => {
    expectTypeOf(nothing.s()).toEqualTypeOf<Signature<never, null>>();
    expectTypeOf(noReturn.s(1)).toEqualTypeOf<Signature<never, null>>();
    expectTypeOf(await app.submit(app.signature('elsewhere'))).toEqualTypeOf<Run<unknown>>();
  });

  it('JsonOf', () => {
    expectTypeOf<JsonOf<Date>>().toEqualTypeOf<string>();
    expectTypeOf<JsonOf<number | undefined>>().toEqualTypeOf<number | null>();
    expectTypeOf<JsonOf<[Date, number]>>().toEqualTypeOf<[string, number]>();
    expectTypeOf<JsonOf<readonly Date[]>>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<JsonOf<{ when: Date; nested: { on?: Date } }>>().toEqualTypeOf<{ when: string; nested: { on?: string } }>();
    expectTypeOf<JsonOf<{ toJSON(): { a: 1 } }>>().toEqualTypeOf<{ a: 1 }>();
    // What the encoder refuses (the worker fails the node with NotJsonError) has no JSON form.
    expectTypeOf<JsonOf<bigint>>().toEqualTypeOf<never>();
    expectTypeOf<JsonOf<Map<string, number>>>().toEqualTypeOf<never>();
  });
});
