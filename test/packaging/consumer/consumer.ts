// A TypeScript consumer, compiled as CommonJS (.cts) and as an ES module (.mts) under node16 and nodenext.
import { CeleriacError, chain, createApp, type Run } from 'celeriac';

const app = createApp({ redis: 'redis://127.0.0.1:6379', prefix: 'types' });
const add = app.task({ name: 'add' }, (a: number, b: number) => a + b);
const shout = app.task({ name: 'shout' }, (text: string) => text.toUpperCase());

export async function total(): Promise<number> {
  const run: Run<number> = await app.submit(chain(add.s(1, 2), add.s(3)));
  return run.result();
}

// @ts-expect-error a step that takes a string cannot follow one that returns a number
chain(add.s(1, 2), shout.s());

// @ts-expect-error the app's key space is internal: it is not in the published types
void app.keys;

export const isCeleriacError = (error: unknown): boolean => error instanceof CeleriacError;
