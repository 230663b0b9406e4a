import { describe, expect, it } from 'vitest';
import { type Signature, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';

/** The failed node's recorded error, as "name: message" (or the code). */
async function failureOf(run: { result(options: { timeoutMs: number }): Promise<unknown> }): Promise<WorkflowFailedError> {
  const error = await run.result({ timeoutMs: 15_000 }).catch((caught: unknown) => caught);
  if (!(error instanceof WorkflowFailedError)) throw new Error(`expected WorkflowFailedError, got ${String(error)}`, { cause: error });
  return error;
}

describe('poison handlers: the node fails with a clear error and the worker survives', () => {
  const makeApp = useApps();

  it('throws of every kind, results JSON cannot carry, an oversized result and a hang that ignores its signal', async () => {
    const app = makeApp({ maxPayloadBytes: 1024 });
    const hostile = {
      toJSON() {
        throw new Error('no JSON for you');
      },
      toString() {
        throw new Error('no string either');
      },
    };
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const failing: Record<string, Signature<unknown, unknown>> = {
      undefinedThrow: app.task({ name: 'throwsUndefined' }, async () => {
        throw undefined;
      }).si() as Signature<unknown, unknown>,
      nullThrow: app.task({ name: 'throwsNull' }, async () => {
        throw null;
      }).si() as Signature<unknown, unknown>,
      objectThrow: app.task({ name: 'throwsObject' }, async () => {
        throw { reason: 'plain object', at: 3 };
      }).si() as Signature<unknown, unknown>,
      hostileThrow: app.task({ name: 'throwsHostile' }, async () => {
        throw hostile;
      }).si() as Signature<unknown, unknown>,
      functionResult: app.task({ name: 'returnsFunction' }, async () => ({ callback: () => 1 })).si() as Signature<unknown, unknown>,
      cyclicResult: app.task({ name: 'returnsCycle' }, async () => cyclic).si() as Signature<unknown, unknown>,
      nanResult: app.task({ name: 'returnsNaN' }, async () => [1, Number.NaN]).si() as Signature<unknown, unknown>,
      mapResult: app.task({ name: 'returnsMap' }, async () => new Map([['a', 1]])).si() as Signature<unknown, unknown>,
      hugeResult: app.task({ name: 'returnsHuge' }, async () => 'x'.repeat(5000)).si() as Signature<unknown, unknown>,
      hang: app.task({ name: 'hangs', timeoutMs: 100 }, () => new Promise<never>(() => undefined)).si() as Signature<unknown, unknown>,
    };
    const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
    const errors: unknown[] = [];
    await app.worker({ concurrency: 4, onError: (error) => errors.push(error) }).start();

    const outcomes: Record<string, string> = {};
    for (const [name, signature] of Object.entries(failing)) {
      const { nodeError } = await failureOf(await app.submit(signature));
      outcomes[name] = `${nodeError.name}${nodeError.code ? ` (${nodeError.code})` : ''}: ${nodeError.message}`;
    }
    expect(outcomes).toEqual({
      undefinedThrow: 'NonErrorThrown: a handler threw a non-Error value: undefined',
      nullThrow: 'NonErrorThrown: a handler threw a non-Error value: null',
      objectThrow: 'NonErrorThrown: a handler threw a non-Error value: {"reason":"plain object","at":3}',
      hostileThrow: 'NonErrorThrown: a handler threw a non-Error value: an unprintable object',
      functionResult: 'NotJsonError (VALUE_NOT_JSON): result of task "returnsFunction".callback: a function cannot be stored as JSON',
      cyclicResult: 'NotJsonError (VALUE_NOT_JSON): result of task "returnsCycle".self: circular reference cannot be stored as JSON',
      nanResult: 'NotJsonError (VALUE_NOT_JSON): result of task "returnsNaN"[1]: NaN cannot be stored as JSON',
      mapResult: 'NotJsonError (VALUE_NOT_JSON): result of task "returnsMap": a Map cannot be stored as JSON (only plain objects and arrays)',
      hugeResult: 'PayloadTooLargeError (PAYLOAD_TOO_LARGE): result of task "returnsHuge": encodes to 5002 bytes, over the limit of 1024 (maxPayloadBytes)',
      hang: 'TaskTimeoutError (TASK_TIMEOUT): task "hangs" timed out after 100 ms',
    });

    // The same worker goes on running ordinary work, and nothing reached onError.
    expect(await (await app.submit(add.si(2, 3))).result({ timeoutMs: 10_000 })).toBe(5);
    expect(errors).toEqual([]);
  });
});
