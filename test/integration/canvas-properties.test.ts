import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CeleriacError, Signature } from '../../src/index.js';
import { keysOf, useApps, useRedis } from '../helpers/apps.js';
import { buildCanvas, describedShape, replaceFunction, shapeArbitrary, withReplaceTask } from '../helpers/canvas-arbitraries.js';
import { invalidCaseArbitrary, type PoisonEnv } from '../helpers/invalid-canvases.js';
import { type LooseTask, OTHER_QUEUE, propertyFunctions, registerPropertyTasks } from '../helpers/property-tasks.js';
import { evaluateCanvas, type TaskFunctions } from '../helpers/reference-evaluator.js';

/**
 * Property tests: random canvases (at most 30 signatures, nested 4 deep, maps and replacements included) against a real worker
 * and Redis, and random invalid canvases against submit. On failure fast-check prints the
 * shrunk canvas as the code that builds it, with the seed to replay it.
 */
describe('random canvases', () => {
  const makeApp = useApps();
  const redis = useRedis();

  // Duplicating tasks (pair, collect) under groups can grow a value geometrically; a case whose
  // values would come near maxPayloadBytes tests the payload limit, not the canvas, so it is skipped.
  const MAX_VALUE_CHARS = 200_000;

  it('a run yields what the reference evaluator computes from the same canvas', async () => {
    const app = makeApp();
    const env = withReplaceTask({ app, tasks: registerPropertyTasks(app) });
    const workerErrors: unknown[] = [];
    await app
      .worker({ concurrency: 8, queues: ['default', OTHER_QUEUE], onError: (error) => workerErrors.push(error) })
      .start();

    await fc.assert(
      fc.asyncProperty(
        shapeArbitrary({ maxSignatures: 30, maxDepth: 4, maps: true, replaces: true, onErrors: true }).map((shape) => describedShape(shape, env)),
        async (shape) => {
          const { canvas } = buildCanvas(shape, env);
          let largest = 0;
          const measured: TaskFunctions = Object.fromEntries(
            Object.entries({ ...propertyFunctions, 'prop.replaceWith': replaceFunction(env) }).map(([name, fn]) => [
              name,
              (...args: unknown[]) => {
                const value = (fn as (...args: unknown[]) => unknown)(...args);
                largest = Math.max(largest, JSON.stringify(value).length);
                return value;
              },
            ]),
          );
          const stats = { nodes: 0 };
          const expected = evaluateCanvas(canvas, measured, stats);
          fc.pre(largest <= MAX_VALUE_CHARS);

          const run = await app.submit(canvas);
          expect(await run.result({ timeoutMs: 10_000 })).toEqual(expected);
          const inspection = await run.inspect();
          expect(inspection.status).toBe('succeeded');
          expect(inspection.nodes.filter((node) => node.task !== 'celeriac:item')).toHaveLength(stats.nodes);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
    expect(workerErrors).toEqual([]);
  }, 1_200_000);

  it('an invalid canvas is refused with its typed error, and nothing is written', async () => {
    const payloadLimit = 2048;
    const app = makeApp({ maxPayloadBytes: payloadLimit });
    // Signatures made by hand, carrying no contract: their task is unknown to `app`. (A task's or a
    // contract's signature carries its contract, so submit accepts it with no handler registered.)
    const foreign = {
      s: (...args: unknown[]) => new Signature('prop.elsewhere', args, false, {}, false),
      si: (...args: unknown[]) => new Signature('prop.elsewhere', args, true, {}, false),
    } as unknown as LooseTask;
    const env: PoisonEnv = { app, tasks: registerPropertyTasks(app), foreign, payloadLimit };
    const client = redis();

    await fc.assert(
      fc.asyncProperty(invalidCaseArbitrary(env), async (invalid) => {
        // Each case starts clean, so that a case that wrongly wrote keys fails alone while shrinking.
        const stale = await keysOf(client, app);
        if (stale.length > 0) await client.del(...stale);

        const { canvas } = invalid.build();
        const error = await app.submit(canvas).then(
          () => null,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(invalid.expected.error);
        expect((error as CeleriacError).code).toBe(invalid.expected.code);
        expect((error as Error).message).toMatch(invalid.expected.message);
        expect(await keysOf(client, app)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  }, 1_200_000);
});
