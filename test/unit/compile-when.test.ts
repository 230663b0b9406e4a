import { describe, expect, it } from 'vitest';
import { chain, createApp, group, when } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { parseSpec } from '../../src/store/spec-format.js';

const app = createApp({ prefix: 'compile-when' });
const one = app.task({ name: 'one' }, (x: number) => x);
const test = app.task({ name: 'test' }, (x: number) => x > 0);
const other = app.task({ name: 'other', queue: 'other' }, (x: number) => x);

describe('compiling a when', () => {
  it('numbers each branch consecutively and gives the decider their ranges; both wait for it alone and read the input', () => {
    const { nodes, output } = compileCanvas(chain(one.si(1), when(test.s(), chain(one.s(), one.s()), one.s()), one.s()));
    expect(nodes[0]!.next).toEqual(['1']);
    expect(nodes[1]).toMatchObject({ task: 'test', branches: [2, 2, 4, 1], next: ['2', '4', '5'] });
    expect(nodes[2]).toMatchObject({ input: { node: '0' }, waiting: 1 });
    expect(nodes[4]).toMatchObject({ input: { node: '0' }, waiting: 1 });
    // What follows reads the branch the decider picks, and waits for it and both branches.
    expect(nodes[5]).toMatchObject({ input: { when: '1', then: { node: '3' }, else: { node: '4' } }, waiting: 3 });
    expect(output).toEqual({ node: '5' });
  });

  it('without otherwise the input stands for the other branch: what follows waits for what precedes the when too', () => {
    const { nodes } = compileCanvas(chain(one.si(1), when(test.s(), one.s()), one.s()));
    expect(nodes[1]!.branches).toEqual([2, 1, 3, 0]);
    expect(nodes[3]).toMatchObject({ input: { when: '1', then: { node: '2' }, else: { node: '0' } }, waiting: 3 });
  });

  it('at the start of a run a falsy predicate without otherwise gives null: the template has no else', () => {
    expect(compileCanvas(when(test.si(1), one.si(2))).output).toEqual({ when: '0', then: { node: '1' } });
  });

  it('the decider is never a hop, and its route names the queue of what follows, which a skip may make ready', () => {
    const plan = planSubmission(compileCanvas(chain(one.si(1), when(test.s(), one.s()), other.s())), {
      lookup: () => undefined,
      maxPayloadBytes: 1 << 20,
      maxCanvasNodes: 1000,
      maxCanvasBytes: 1 << 20,
    });
    const decider = parseSpec(plan.nodes[1]!.specJson);
    expect(decider.hop).toBeUndefined();
    expect(decider.branches).toEqual([2, 1, 3, 0]);
    expect(decider.nextQueues).toContain('other');
  });

  it('refuses a predicate that does not end in one task, naming where', () => {
    expect(() => compileCanvas(chain(one.si(1), when(group(test.s(), test.s()), one.s())))).toThrow(
      /chain\[1\] > when.predicate: a when's predicate must end in one task/,
    );
  });
});
