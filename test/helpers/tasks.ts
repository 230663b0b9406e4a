import { z } from 'zod';
import type { App } from '../../src/index.js';

/** The tasks CANVAS.md's examples use: add(x, y), tsum(xs), identity(x). */
export function canvasTasks(app: App) {
  const add = app.task(
    { name: 'add', args: z.tuple([z.number(), z.number()]), result: z.number() },
    async (x, y) => x + y,
  );
  const tsum = app.task({ name: 'tsum' }, async (values: number[]) =>
    values.flat(Infinity as 1).reduce((total: number, value) => total + Number(value), 0),
  );
  const identity = app.task({ name: 'identity' }, async <T>(value: T) => value);
  return { add, tsum, identity };
}
