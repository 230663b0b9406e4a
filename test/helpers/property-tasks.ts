/**
 * The tasks of the canvas property tests: deterministic, total (any JSON value is a valid first
 * argument, since a random canvas may hand a list to add) and cheap. The same functions are
 * registered with the app (the worker runs them) and given to the reference evaluator.
 *
 * Their arities differ on purpose, so that submit's arity checks see every kind: fixed by a zod
 * tuple (add, label), a lower bound from the handler's parameters (mul, identity, pair) and none
 * at all (collect, a rest parameter).
 */
import fc from 'fast-check';
import { z } from 'zod';
import type { App, Task } from '../../src/index.js';
import type { TaskFunctions } from './reference-evaluator.js';

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Sum of the numbers in a value, strings counting their length: a number for any JSON value. */
export function total(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + total(item), 0);
  if (value !== null && typeof value === 'object') {
    return Object.values(value).reduce<number>((sum, item) => sum + total(item), 0);
  }
  return 0;
}

// Order-preserving tasks (identity, pair, collect, label) are what catch a member delivered in
// the wrong place; sums alone would hide it.
export const propertyFunctions = {
  'prop.add': (x: unknown, k: number): number => total(x) + k,
  'prop.mul': (x: unknown, k: number): number => total(x) * k,
  'prop.identity': (x: unknown): unknown => x,
  'prop.pair': (x: unknown, y: unknown): unknown[] => [x, y],
  'prop.collect': (...items: unknown[]): unknown[] => items,
  'prop.label': (x: unknown, label: string): { label: string; value: unknown } => ({ label, value: x }),
  // A list made at run time for a map: 0 to 3 items, each carrying its input.
  'prop.items': (x: unknown): unknown[] => Array.from({ length: Math.floor(Math.abs(total(x))) % 4 }, (_, index) => [index, x]),
} satisfies TaskFunctions;

export type PropertyTaskName = keyof typeof propertyFunctions;
export const PROPERTY_TASK_NAMES = Object.keys(propertyFunctions) as PropertyTaskName[];

/** A second queue some signatures are sent to, so that dependants cross queues. */
export const OTHER_QUEUE = 'props-other';

/** A task whose argument types are not known here: random canvases call them with any JSON. */
export type LooseTask = Task<readonly unknown[], unknown>;

export type PropertyTasks = Readonly<Record<PropertyTaskName, LooseTask>>;

/** Register the property tasks with an app (once per app: names are unique per registry). */
export function registerPropertyTasks(app: App): PropertyTasks {
  const f = propertyFunctions;
  const tasks = {
    'prop.add': app.task({ name: 'prop.add', args: z.tuple([z.unknown(), z.number()]), result: z.number() }, f['prop.add']),
    'prop.mul': app.task({ name: 'prop.mul' }, f['prop.mul']),
    'prop.identity': app.task({ name: 'prop.identity' }, f['prop.identity']),
    'prop.pair': app.task({ name: 'prop.pair' }, f['prop.pair']),
    'prop.collect': app.task({ name: 'prop.collect' }, f['prop.collect']),
    'prop.label': app.task({ name: 'prop.label', args: z.tuple([z.unknown(), z.string()]) }, f['prop.label']),
    'prop.items': app.task({ name: 'prop.items' }, f['prop.items']),
  };
  // The canvas generator picks tasks by name, so their precise argument types are dropped here.
  return tasks as unknown as PropertyTasks;
}

/**
 * Small JSON values for bound arguments. No -0 (JSON turns it into 0, so a run could not give it
 * back) and only plain objects with a few fixed keys.
 */
export const jsonArbitrary: fc.Arbitrary<Json> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -20, max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom<Json>('', 'a', 'xyz', 'é€', 0.5, true, false, null) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: -5, max: 5 }), fc.constantFrom('x', 'y'), fc.nat(3))
      .map(([a, b, keys]): Json => [{}, { a }, { b }, { a, b }][keys] ?? {}),
  },
);

/**
 * The complete arguments of each task, as a signature that receives nothing binds them. One that
 * receives its parent's value binds all but the first (`add.s(2, 2)` at the start, `add.s(4)`
 * after a step).
 */
export const fullArgsArbitrary: Readonly<Record<PropertyTaskName, fc.Arbitrary<readonly Json[]>>> = {
  'prop.add': fc.tuple(jsonArbitrary, fc.integer({ min: -9, max: 9 })),
  // A positive factor: total(x) * 0 or * -k can be -0, which JSON cannot carry back.
  'prop.mul': fc.tuple(fc.integer({ min: -9, max: 9 }), fc.integer({ min: 1, max: 3 })),
  'prop.identity': fc.tuple(jsonArbitrary),
  'prop.pair': fc.tuple(jsonArbitrary, jsonArbitrary),
  'prop.collect': fc.array(jsonArbitrary, { maxLength: 2 }),
  'prop.label': fc.tuple(jsonArbitrary, fc.constantFrom('a', 'b', 'c')),
  'prop.items': fc.tuple(jsonArbitrary),
};
