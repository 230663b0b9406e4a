import { describe, expect, it } from 'vitest';
import { chain, createApp, group, map, when } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { decodeElementPlan, elementId, expansionSpecs, itemNodesNeeded } from '../../src/store/expansion-format.js';
import { parseSpec } from '../../src/store/spec-format.js';

const app = createApp({ prefix: 'compile-map' });
const list = app.task({ name: 'list' }, (count: number) => Array.from({ length: count }, (_, index) => index));
const one = app.task({ name: 'one' }, (x: number) => x);
const test = app.task({ name: 'test' }, (x: number) => x > 0);
const other = app.task({ name: 'other', queue: 'other' }, (x: number) => x);
const tsum = app.task({ name: 'tsum' }, (values: number[]) => values.length);
const otherSum = app.task({ name: 'otherSum', queue: 'other' }, (values: number[]) => values.length);
const context = { lookup: () => undefined, maxPayloadBytes: 1 << 20, maxCanvasNodes: 1000, maxCanvasBytes: 1 << 20 };

describe('compiling a map', () => {
  it('is one node reading the list; its element is compiled on its own, node 0 standing for the item', () => {
    const { nodes, output } = compileCanvas(chain(list.s(3), map(chain(one.s(), other.s())), tsum.s()));
    expect(nodes.map((node) => node.task)).toEqual(['list', 'celeriac:map', 'tsum']);
    expect(nodes[1]).toMatchObject({ input: { node: '0' }, waiting: 1, next: ['2'] });
    expect(nodes[2]).toMatchObject({ input: { node: '1' } });
    const element = nodes[1]!.element!;
    expect(element.nodes.map((node) => node.task)).toEqual(['celeriac:item', 'one', 'other']);
    // The element's first step reads the item without waiting for it (the item is born done).
    expect(element.nodes[1]).toMatchObject({ input: { node: '0' }, waiting: 0, next: ['2'] });
    expect(element.output).toEqual({ node: '2' });
    expect(element.exits).toEqual(['2']);
    expect(output).toEqual({ node: '2' });
  });

  it('refuses a map at the start of a canvas and an element with no task, naming where', () => {
    expect(() => compileCanvas(map(one.s()))).toThrow(/^map: a map needs a list from the step before it/);
    expect(() => compileCanvas(chain(list.s(1), map(group())))).toThrow(/chain\[1\] > map.element: a map's element has no task to run/);
  });

  it('plans the element into the map node\'s one arg; the map node runs on the element\'s first queue; the run knows every queue', () => {
    const plan = planSubmission(compileCanvas(chain(list.s(3), map(chain(other.s(), one.s())))), context);
    const mapSpec = parseSpec(plan.nodes[1]!.specJson);
    expect(mapSpec.queue).toBe('other');
    expect([...plan.queues].sort()).toEqual(['default', 'other']);
    const element = decodeElementPlan(mapSpec.args[0]);
    expect(element.k).toBe(2);
    expect(element.waiting).toEqual([0, 1]);
    expect(element.exits).toEqual(['2']);
    expect(element.specs.map((spec) => spec.task)).toEqual(['other', 'one']);
  });

  it('lays an expansion out as items, then each item\'s element nodes, with ids moved and the exits waited for by the map node', () => {
    const plan = planSubmission(compileCanvas(chain(list.s(3), map(when(test.s(), one.s(), other.s())), tsum.s())), context);
    const mapSpec = parseSpec(plan.nodes[1]!.specJson);
    const element = decodeElementPlan(mapSpec.args[0]);
    // Each of the when's parts receives the item exactly (as its first arg): no item node.
    expect(itemNodesNeeded(element)).toBe(false);
    const specs = expansionSpecs({ plan: element, mapId: '1', mapNextQueues: ['default'], first: 10, items: ['5', '-1'] }).specs.map(parseSpec);
    // Item 0's nodes 10 (test), 11 (one), 12 (other); item 1's 13, 14, 15.
    expect(specs.map((spec) => spec.task)).toEqual(['test', 'one', 'other', 'test', 'one', 'other']);
    expect(specs.every((spec) => spec.parent === '1')).toBe(true);
    expect(elementId(2, 1, 10, 0, 3)).toBe(14);
    expect(elementId(2, 1, 10, 2, 3)).toBe(16);
    const decider = specs[3]!;
    expect(decider.input).toBeUndefined();
    expect(decider.args).toEqual([-1]);
    expect(decider.branches).toEqual([14, 1, 15, 1]);
    // The decider is an exit too (what follows a when waits for it): it names the map node.
    expect(decider.next).toEqual(['14', '15', '1']);
    expect(specs[4]).toMatchObject({ args: [-1], next: ['1'], after: ['13'] });
    expect(specs[4]!.input).toBeUndefined();
    expect(specs[5]!.hop).toBeUndefined();
  });

  it('adds item nodes when the element reads its item otherwise: a when without otherwise passes it through', () => {
    const plan = planSubmission(compileCanvas(chain(list.s(3), map(when(test.s(), one.s())), tsum.s())), context);
    const element = decodeElementPlan(parseSpec(plan.nodes[1]!.specJson).args[0]);
    expect(itemNodesNeeded(element)).toBe(true);
    const specs = expansionSpecs({ plan: element, mapId: '1', mapNextQueues: undefined, first: 10, items: ['5', '-1'] }).specs.map(parseSpec);
    // The item nodes 10, 11, then item 0's 12 (test), 13 (one), item 1's 14, 15.
    expect(specs.map((spec) => spec.task)).toEqual(['celeriac:item', 'celeriac:item', 'test', 'one', 'test', 'one']);
    expect(specs[0]).toMatchObject({ next: undefined, input: undefined });
    expect(specs[4]).toMatchObject({ args: [-1], branches: [15, 1, 16, 0] });
  });

  it('an exit\'s route names the queues of the map node\'s dependants, which the gather may make ready', () => {
    const plan = planSubmission(compileCanvas(chain(list.s(3), map(one.s()), otherSum.s())), context);
    const mapSpec = parseSpec(plan.nodes[1]!.specJson);
    expect(mapSpec.nextQueues).toEqual(['other']);
    const [exit] = expansionSpecs({ plan: decodeElementPlan(mapSpec.args[0]), mapId: '1', mapNextQueues: mapSpec.nextQueues, first: 3, items: ['7'] }).specs.map(parseSpec);
    expect(exit).toMatchObject({ next: ['1'], nextQueues: ['other'] });
  });

  it('nests: a map inside an element plans its own element in its arg', () => {
    const plan = planSubmission(compileCanvas(chain(list.s(2), map(chain(list.s(), map(one.s()))))), context);
    const outer = decodeElementPlan(parseSpec(plan.nodes[1]!.specJson).args[0]);
    expect(outer.specs.map((spec) => spec.task)).toEqual(['list', 'celeriac:map']);
    const inner = decodeElementPlan(outer.specs[1]!.args[0]);
    expect(inner.specs.map((spec) => spec.task)).toEqual(['one']);
  });
});
