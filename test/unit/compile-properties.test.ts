import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyCanvas, CanvasValidationError, chain, chord, Chord, createApp, group, Group } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { fillTemplate, templateNodes } from '../../src/graph/template.js';
import { buildCanvas, describedShape, shapeArbitrary } from '../helpers/canvas-arbitraries.js';
import { propertyFunctions, type PropertyTaskName, registerPropertyTasks } from '../helpers/property-tasks.js';
import { evaluateCanvas, signaturesOf, type TaskFunctions } from '../helpers/reference-evaluator.js';
import { canvasTasks } from '../helpers/tasks.js';

// No Redis here: createApp connects lazily and nothing here submits.
const app = createApp({ prefix: 'unit-compile-properties' });
const env = { app, tasks: registerPropertyTasks(app) };
const shapes = shapeArbitrary({ maxSignatures: 30, maxDepth: 4 }).map((shape) => describedShape(shape, env));

describe('the reference evaluator', () => {
  // The properties below trust it, so it must give CANVAS.md's own answers first.
  const { add, tsum, identity } = canvasTasks(app);
  const functions: TaskFunctions = {
    add: (x: number, y: number) => x + y,
    tsum: (values: readonly unknown[]) => values.flat(Infinity).reduce<number>((sum, value) => sum + Number(value), 0),
    identity: (value: unknown) => value,
  };
  const examples: [string, AnyCanvas, unknown][] = [
    ['chain(add.s(4, 4), add.s(8), add.s(16))', chain(add.s(4, 4), add.s(8), add.s(16)), 32],
    [
      'chain(add.s(2, 2), chain(add.s(4), add.s(8)), group(add.s(0), add.s(1)))',
      chain(add.s(2, 2), chain(add.s(4), add.s(8)), group(add.s(0), add.s(1))),
      [16, 17],
    ],
    [
      'chain(add.s(5, 6), group(chain(add.s(1), add.s(2)), add.s(3)))',
      chain(add.s(5, 6), group(chain(add.s(1), add.s(2)), add.s(3))),
      [14, 14],
    ],
    [
      'group(identity.si(1), identity.si(2), chain(identity.si(5), group(identity.si(3), identity.si(4))))',
      group(identity.si(1), identity.si(2), chain(identity.si(5), group(identity.si(3), identity.si(4)))),
      [1, 2, [3, 4]],
    ],
    [
      'group(add.si(1, 10), group(add.si(1, 100), group(add.si(1, 1000), add.si(1, 2000))))',
      group(add.si(1, 10), group(add.si(1, 100), group(add.si(1, 1000), add.si(1, 2000)))),
      [11, 101, 1001, 2001],
    ],
    [
      'chain(add.si(1, 0), group(add.s(1), add.s(1)), group(tsum.s(), tsum.s()), tsum.s())',
      chain(add.si(1, 0), group(add.s(1), add.s(1)), group(tsum.s(), tsum.s()), tsum.s()),
      8,
    ],
    [
      'chain(identity.s(42), group(identity.s(), identity.s()), identity.s())',
      chain(identity.s(42), group(identity.s(), identity.s()), identity.s()),
      [42, 42],
    ],
    ['chord([], tsum.s())', chord([], tsum.s()), 0],
    [
      'chain(group(0..999 as identity.si(i)), tsum.s())',
      chain(group(Array.from({ length: 1000 }, (_, i) => identity.si(i))), tsum.s()),
      499500,
    ],
    [
      'chord([add.s(0, 1)], chord([tsum.s(), tsum.s()], chain(tsum.s(), group(add.s(8), add.s(16)), chain(tsum.s(), add.s(32)))))',
      chord([add.s(0, 1)], chord([tsum.s(), tsum.s()], chain(tsum.s(), group(add.s(8), add.s(16)), chain(tsum.s(), add.s(32))))),
      60,
    ],
  ];

  it.each(examples)('%s', (_text, canvas, value) => {
    expect(evaluateCanvas(canvas, functions)).toEqual(value);
  });
});

describe('compileCanvas on random canvases', () => {
  // Found by the invalid-canvas property: a group holding itself directly skipped the cycle check
  // and overflowed the stack (RangeError) instead of failing with CanvasValidationError.
  it('refuses a group that contains itself directly, also as a chord header', () => {
    const members: AnyCanvas[] = [env.tasks['prop.identity'].si(1)];
    const looped = new Group(members);
    members.push(looped);
    expect(() => compileCanvas(group(env.tasks['prop.identity'].si(0), looped))).toThrow(CanvasValidationError);
    expect(() => compileCanvas(looped)).toThrow(/group\[1\]: the canvas contains itself/);
    expect(() => compileCanvas(new Chord(looped, env.tasks['prop.identity'].si(2)))).toThrow(/contains itself/);
  });

  it('numbers one node per signature, 0..n-1 in canvas order, and every edge goes to a higher id', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const { canvas } = buildCanvas(shape, env);
        const { nodes } = compileCanvas(canvas);
        const signatures = signaturesOf(canvas);
        expect(nodes.map((node) => node.id)).toEqual(signatures.map((_, index) => String(index)));
        expect(nodes.map((node) => [node.task, node.args])).toEqual(signatures.map((s) => [s.task, s.args]));
        const incoming = nodes.map(() => 0);
        for (const node of nodes) {
          expect(new Set(node.next).size, `node ${node.id} lists a dependant twice`).toBe(node.next.length);
          for (const next of node.next) {
            expect(Number(next), `edge ${node.id} -> ${next}`).toBeGreaterThan(Number(node.id));
            incoming[Number(next)] = (incoming[Number(next)] ?? 0) + 1;
          }
        }
        expect(nodes.map((node) => node.waiting)).toEqual(incoming);
      }),
      { numRuns: 300 },
    );
  });

  it('running the DAG in id order, each node reading only nodes it waits for (directly or not), gives the reference value', () => {
    fc.assert(
      fc.property(shapes, (shape) => {
        const { canvas } = buildCanvas(shape, env);
        const compiled = compileCanvas(canvas);
        // Every node a node waits for, directly or not (ids are a topological order): a when's
        // branches wait for its decider alone, which waits for what they read.
        const upstream = compiled.nodes.map(() => new Set<string>());
        for (const node of compiled.nodes) {
          for (const next of node.next) {
            const into = upstream[Number(next)]!;
            into.add(node.id);
            for (const before of upstream[Number(node.id)]!) into.add(before);
          }
        }
        // Like a worker, with results kept in memory instead of Redis.
        const results: unknown[] = [];
        // A when's branch not taken: skipped, no result (what follows reads the other branch).
        const skipped = new Set<number>();
        for (const node of compiled.nodes) {
          if (skipped.has(Number(node.id))) {
            results.push(undefined);
            continue;
          }
          const reads = node.input ? templateNodes(node.input) : [];
          for (const read of reads) expect(upstream[Number(node.id)]?.has(read), `node ${node.id} reads ${read}`).toBe(true);
          const fn = propertyFunctions[node.task as PropertyTaskName] as (...args: unknown[]) => unknown;
          const value = node.input ? fillTemplate(node.input, (id) => results[Number(id)]) : undefined;
          const input = !node.input ? [] : node.spread ? (value as unknown[]) : [value];
          const result = fn(...input, ...node.args);
          results.push(result);
          if (node.branches) {
            const [thenFirst, thenCount, elseFirst, elseCount] = node.branches;
            const [first, count] = result ? [elseFirst, elseCount] : [thenFirst, thenCount];
            for (let id = first; id < first + count; id++) skipped.add(id);
          }
        }
        const value = fillTemplate(compiled.output, (id) => results[Number(id)]);
        expect(value).toEqual(evaluateCanvas(canvas, propertyFunctions));
      }),
      { numRuns: 300 },
    );
  });
});
