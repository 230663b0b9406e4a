import { describe, expect, it } from 'vitest';
import { ConfigError, chain, createApp, dag, group, type Dag } from '../../src/index.js';
import { DagNode } from '../../src/canvas/dag.js';
import { compileCanvas, type CompiledNode } from '../../src/graph/compile.js';

const app = createApp({ prefix: 'compile-dag' });
const one = app.task({ name: 'one' }, (x: number) => x);
const two = app.task({ name: 'two' }, (x: number, y: number) => x + y);
const three = app.task({ name: 'three' }, (x: number, y: number, z: string) => `${x + y}${z}`);
const list = app.task({ name: 'list' }, (xs: number[]) => xs.length);
const pair = app.task({ name: 'pair' }, (x: number, ys: number[]) => [x, ...ys]);

function byTask(nodes: readonly CompiledNode[], task: string): CompiledNode[] {
  return nodes.filter((node) => node.task === task);
}

describe('compiling a dag', () => {
  it('a diamond: the join waits for both parents and receives their values spread, in after order', () => {
    const g = dag();
    const a = g.add(one.si(1));
    const b = g.add(one.si(2));
    g.add(two.s(), { after: [b, a] });
    const { nodes, output } = compileCanvas(g);
    expect(nodes).toHaveLength(3);
    const join = nodes[2]!;
    expect(join).toMatchObject({ task: 'two', waiting: 2, spread: true, input: { list: [{ node: '1' }, { node: '0' }] }, after: [] });
    expect(nodes[0]!.next).toEqual(['2']);
    expect(nodes[1]!.next).toEqual(['2']);
    expect(output).toEqual({ node: '2' });
  });

  it('one parent: its value is prepended as a chain step would receive it, not spread', () => {
    const g = dag();
    const a = g.add(one.si(1));
    g.add(one.s(), { after: [a] });
    const { nodes } = compileCanvas(g);
    expect(nodes[1]).toMatchObject({ input: { node: '0' }, spread: false, waiting: 1 });
  });

  it('several sinks: the value is the list of their values in the order they were added', () => {
    const g = dag();
    const a = g.add(one.si(1));
    g.add(one.s(), { after: [a] });
    g.add(one.si(3));
    g.add(one.s(), { after: [a] });
    const { output } = compileCanvas(g);
    expect(output).toEqual({ list: [{ node: '1' }, { node: '2' }, { node: '3' }] });
  });

  it('bound args follow the parents\' values; an immutable node waits without reading them', () => {
    const g = dag();
    const a = g.add(one.si(1));
    const b = g.add(one.si(2));
    g.add(three.s('!'), { after: [a, b] });
    g.add(one.si(9), { after: [a, b] });
    const { nodes } = compileCanvas(g);
    expect(nodes[2]).toMatchObject({ args: ['!'], spread: true, input: { list: [{ node: '0' }, { node: '1' }] } });
    expect(nodes[3]).toMatchObject({ input: null, spread: false, waiting: 2, after: ['0', '1'] });
  });

  it('a parent that is a group gives its list; a parent that is a chain its last value and its last node', () => {
    const g = dag();
    const members = g.add(group(one.si(1), one.si(2)));
    const steps = g.add(chain(one.si(3), one.s()));
    g.add(pair.s(), { after: [steps, members] });
    const { nodes } = compileCanvas(g);
    const join = byTask(nodes, 'pair')[0]!;
    expect(join.input).toEqual({ list: [{ node: '3' }, { list: [{ node: '0' }, { node: '1' }] }] });
    expect(join.waiting).toBe(3);
  });

  it('in a chain: nodes without after receive the previous value, and the next step waits for the sinks', () => {
    const g = dag<number, number>();
    const a = g.add(one.s());
    const b = g.add(one.s());
    g.add(two.s(), { after: [a, b] });
    const { nodes, output } = compileCanvas(chain(one.si(5), g, one.s()));
    expect(nodes.map((node) => node.waiting)).toEqual([0, 1, 1, 2, 1]);
    expect(nodes[1]!.input).toEqual({ node: '0' });
    expect(nodes[2]!.input).toEqual({ node: '0' });
    expect(nodes[4]).toMatchObject({ input: { node: '3' }, spread: false });
    expect(output).toEqual({ node: '4' });
  });

  it('as a group member and as a chord body', () => {
    const g = dag<number[]>();
    const a = g.add(list.s());
    g.add(one.s(), { after: [a] });
    const compiled = compileCanvas(chain(group(one.si(1), one.si(2)), group(g, list.s())));
    expect(compiled.output).toEqual({ list: [{ node: '3' }, { node: '4' }] });
    expect(compiled.nodes[2]!.input).toEqual({ list: [{ node: '0' }, { node: '1' }] });
  });

  it('a dag added to itself through another canvas is a cycle', () => {
    const g = dag();
    g.add(one.si(1));
    g.add(group(one.si(2), g as Dag<never, unknown>));
    expect(() => compileCanvas(g)).toThrow(/contains itself \(a cycle\)/);
  });

  it('refuses an empty dag, with where it is', () => {
    expect(() => compileCanvas(chain(one.si(1), dag<number>()))).toThrow(/chain\[1\] > dag: a dag needs at least one node/);
  });
});

describe('dag.add refuses bad input at once, naming it', () => {
  it('a parent of another dag, a parent twice, something not a node, an unknown option, the dag itself', () => {
    const g = dag();
    const other = dag();
    const foreign = other.add(one.si(1));
    const a = g.add(one.si(1));
    expect(() => g.add(two.s(), { after: [a, foreign] })).toThrow(ConfigError);
    expect(() => g.add(two.s(), { after: [a, foreign] })).toThrow(/dag.add\(\) node 1 options.after\[1\]: node 0 belongs to another dag/);
    expect(() => g.add(two.s(), { after: [a, a] })).toThrow(/options.after\[1\]: node 0 is listed twice/);
    expect(() => g.add(two.s(), { after: [a, 'x' as unknown as typeof a] })).toThrow(/options.after\[1\]: expected a node returned by dag.add\(\)/);
    expect(() => g.add(one.si(1), { after: [a], before: [] } as never)).toThrow(/options.before: unknown option/);
    expect(() => g.add(g as never)).toThrow(/a dag cannot contain itself/);
    expect(() => g.add(42 as never)).toThrow(/dag.add\(\) node 1: expected a signature, chain, group, chord, dag, when or map, got number/);
    // Nothing refused was added.
    expect(g.entries).toHaveLength(1);
  });

  it('a handle forged to name a later node is refused when the dag compiles', () => {
    const g = dag();
    g.add(one.si(1));
    g.add(one.si(2), { after: [new DagNode(g as Dag<never, unknown>, 0)] });
    (g.entries as unknown as { after: number[] }[])[1]!.after = [5];
    expect(() => compileCanvas(g)).toThrow(/dag\[1\]: after names node 5, which is not a node added before it/);
  });
});
