import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArgsValidationError, type ArgsSchema, chain, group, type WorkflowFailedError } from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';

const INSTANT = new Date('2026-12-06T23:00:00.000Z');

describe('values arrive in their JSON form, as the types say', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('a Date result is a string in run.result() and downstream; a schema may turn it back into a Date', async () => {
    const app = makeApp();
    const now = app.task({ name: 'now' }, () => INSTANT);
    const seen: unknown[] = [];
    const takesText = app.task({ name: 'takesText' }, (text: string) => {
      seen.push(text);
      return text.slice(0, 4);
    });
    const coerces = app.task({ name: 'coerces', args: z.tuple([z.coerce.date()]) }, (date) => {
      seen.push(date);
      return date.getUTCFullYear();
    });
    await app.worker().start();
    const value: string = await (await app.submit(now.s())).result({ timeoutMs: 10_000 });
    expect(value).toBe('2026-12-06T23:00:00.000Z');
    const years = await (await app.submit(chain(now.s(), group(takesText.s(), coerces.s())))).result({ timeoutMs: 10_000 });
    expect(years).toEqual(['2026', 2026]);
    expect(seen).toContain('2026-12-06T23:00:00.000Z');
    expect(seen.find((item) => item instanceof Date)).toEqual(INSTANT);
  });

  it('a handler that returns nothing produced null, downstream and in run.result()', async () => {
    const app = makeApp();
    const nothing = app.task({ name: 'nothing' }, () => undefined);
    const received: unknown[] = [];
    const record = app.task({ name: 'record' }, (value: null) => {
      received.push(value);
      return { kept: 1, dropped: undefined as number | undefined };
    });
    await app.worker().start();
    expect(await (await app.submit(nothing.s())).result({ timeoutMs: 10_000 })).toBeNull();
    const result = await (await app.submit(chain(nothing.s(), record.s()))).result({ timeoutMs: 10_000 });
    expect(received).toEqual([null]);
    // An undefined property is dropped, as JsonOf makes it optional.
    expect(result).toStrictEqual({ kept: 1 });
  });

  it.each([
    ['a Map', () => new Map([['a', 1]]), 'a Map cannot be stored as JSON'],
    ['a Set', () => new Set([1]), 'a Set cannot be stored as JSON'],
    ['a BigInt', () => 1n, 'a BigInt cannot be stored as JSON'],
    ['NaN', () => Number.NaN, 'NaN cannot be stored as JSON'],
  ])('a result JSON would corrupt (%s) fails the node with NotJsonError, not retried', async (_label, make, message) => {
    const app = makeApp();
    let calls = 0;
    const odd = app.task({ name: 'odd', retry: { attempts: 3 } }, () => {
      calls++;
      return make();
    });
    await app.worker().start();
    const error = (await (await app.submit(odd.s())).result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught)) as WorkflowFailedError;
    expect(error.nodeError).toMatchObject({ name: 'NotJsonError', code: 'VALUE_NOT_JSON' });
    expect(error.nodeError.message).toContain(message);
    expect(calls).toBe(1);
  });

  it('bound args are validated at submit in the form the worker will receive them', async () => {
    const app = makeApp();
    // tsc refuses this task (a Date input cannot arrive); JavaScript callers reach the runtime check.
    const strict = app.task({ name: 'strict', args: z.tuple([z.date()]) as unknown as ArgsSchema }, (...args: unknown[]) => args.length);
    // A Date passes z.date() here, but a string would reach the worker: refused now, nothing written.
    const error = await app.submit(strict.s(INSTANT)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toBe('strict: arguments of task "strict" are invalid: args[0]: Invalid input: expected date, received string');
    expect(await keysOf(redis(), app)).toEqual([]);
    // A schema of what arrives accepts the Date, which reaches the handler as its ISO string.
    const iso = app.task({ name: 'iso', args: z.tuple([z.iso.datetime()]) }, (text) => text);
    await app.worker().start();
    expect(await (await app.submit(iso.s(INSTANT.toISOString()))).result({ timeoutMs: 10_000 })).toBe('2026-12-06T23:00:00.000Z');
  });
});
