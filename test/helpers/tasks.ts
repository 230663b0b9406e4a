import { z } from 'zod';
import type { App } from '../../src/index.js';

/**
 * The tasks CANVAS.md's examples use: add(x, y), tsum(xs), identity(x). identity passes any
 * value through, so its type is unknown in and out; tsum therefore takes a list of unknowns
 * (nested lists are flattened) and returns a number.
 */
export function canvasTasks(app: App) {
  const add = app.task(
    { name: 'add', args: z.tuple([z.number(), z.number()]), result: z.number() },
    async (x, y) => x + y,
  );
  const tsum = app.task({ name: 'tsum' }, async (values: readonly unknown[]): Promise<number> =>
    values.flat(Infinity).reduce<number>((total, value) => total + Number(value), 0),
  );
  const identity = app.task({ name: 'identity' }, async (value: unknown) => value);
  return { add, tsum, identity };
}

/** A no-op member and a summing join, the shape of the wide chords the sweep and range tests submit. */
export function noopSumTasks(app: App) {
  const noop = app.task({ name: 'noop' }, async (value: number) => value);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  return { noop, sum };
}
