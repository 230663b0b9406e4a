import { describe, expect, it } from 'vitest';
import { chain, chord, createApp, group, CanvasValidationError, ConfigError } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { Chain } from '../../src/canvas/builders.js';
import { Signature } from '../../src/canvas/signature.js';
import { canvasTasks } from '../helpers/tasks.js';
import { workflowGraph } from '../helpers/workflow-graph.js';

// No Redis here: createApp connects lazily and these tests never touch the connection.
const app = createApp({ prefix: 'unit' });
const { add, tsum, identity } = canvasTasks(app);

function shape(canvas: unknown) {
  const compiled = compileCanvas(canvas);
  const { output } = compiled;
  const graph = workflowGraph(compiled);
  const nodes = graph.mapNodes((id, node) => ({ id, task: node.task, input: node.input, args: node.args }));
  const edges = graph.mapEdges((_edge, attributes, source, target) => `${source}->${target}${attributes.carriesData ? '' : ' (order only)'}`);
  return { nodes, edges, output };
}

describe('compileCanvas', () => {
  it('a chain feeds each value to the next step and ends in the last one', () => {
    const { nodes, edges, output } = shape(chain(add.s(4, 4), add.s(8), add.s(16)));
    expect(nodes).toEqual([
      { id: '0', task: 'add', input: null, args: [4, 4] },
      { id: '1', task: 'add', input: { node: '0' }, args: [8] },
      { id: '2', task: 'add', input: { node: '1' }, args: [16] },
    ]);
    expect(edges).toEqual(['0->1', '1->2']);
    expect(output).toEqual({ node: '2' });
  });

  it('chain(a, group(b, c), d) is a chord: d waits for b and c and receives [b, c]', () => {
    const { nodes, edges, output } = shape(chain(add.s(2, 2), group(add.s(1), add.s(2)), tsum.s()));
    expect(nodes[3]).toEqual({ id: '3', task: 'tsum', input: { list: [{ node: '1' }, { node: '2' }] }, args: [] });
    expect(edges).toEqual(['0->1', '0->2', '1->3', '2->3']);
    expect(output).toEqual({ node: '3' });
  });

  it('a chain ending in a group inside a group gives a nested list template', () => {
    const { output } = shape(group(identity.si(1), identity.si(2), chain(identity.si(5), group(identity.si(3), identity.si(4)))));
    expect(output).toEqual({ list: [{ node: '0' }, { node: '1' }, { list: [{ node: '3' }, { node: '4' }] }] });
  });

  it('flattens groups directly inside groups', () => {
    const { output, edges } = shape(group(add.si(1, 10), group(add.si(1, 100), group(add.si(1, 1000), add.si(1, 2000)))));
    expect(output).toEqual({ list: [{ node: '0' }, { node: '1' }, { node: '2' }, { node: '3' }] });
    expect(edges).toEqual([]);
  });

  it('an immutable step waits for its predecessor but receives nothing from it', () => {
    const { nodes, edges } = shape(chain(add.s(1, 1), add.si(2, 2)));
    expect(nodes[1]?.input).toBeNull();
    expect(edges).toEqual(['0->1 (order only)']);
  });

  it('an empty chord header gives the body [] and no dependencies', () => {
    const { nodes, edges } = shape(chord([], tsum.s()));
    expect(nodes).toEqual([{ id: '0', task: 'tsum', input: { list: [] }, args: [] }]);
    expect(edges).toEqual([]);
  });

  it('an empty group in a chain passes the ordering through and yields []', () => {
    const { nodes, edges } = shape(chain(add.s(1, 1), group(), tsum.s()));
    expect(nodes[1]).toEqual({ id: '1', task: 'tsum', input: { list: [] }, args: [] });
    expect(edges).toEqual(['0->1 (order only)']);
  });

  it('a chord whose body is a group gives every member the header list', () => {
    const { nodes } = shape(chord([identity.si(1), identity.si(2)], group(tsum.s(), identity.s())));
    expect(nodes.slice(2).map((node) => node.input)).toEqual([
      { list: [{ node: '0' }, { node: '1' }] },
      { list: [{ node: '0' }, { node: '1' }] },
    ]);
  });

  it('a wide fan-in compiles in linear size: one edge per member', () => {
    const members = Array.from({ length: 5000 }, (_, index) => identity.si(index));
    const graph = workflowGraph(compileCanvas(chain(group(members), tsum.s())));
    expect(graph.order).toBe(5001);
    expect(graph.size).toBe(5000);
    expect(graph.inDegree('5000')).toBe(5000);
  });

  it('refuses a canvas with no task', () => {
    expect(() => compileCanvas(group())).toThrow(CanvasValidationError);
  });

  it('refuses things that are not canvases, naming where they are', () => {
    expect(() => compileCanvas(42)).toThrow(/canvas: expected a signature, chain, group, chord, dag, when or map, got number/);
    expect(() => group(add.s(1, 1), 'oops' as never)).toThrow(ConfigError);
    expect(() => group(add.s(1, 1), 'oops' as never)).toThrow(/group\(\) member 1/);
  });

  it('refuses a canvas that contains itself', () => {
    const steps = [add.s(1, 1)];
    const looped = new Chain(steps);
    steps.push(looped as never);
    expect(() => compileCanvas(looped)).toThrow(/contains itself/);
  });

  it('checks a hand-made Signature like one from .s(): task name, args array, options', () => {
    expect(() => new Signature('add', 'abc' as never, false, {}, false)).toThrow('signature of "add": args must be an array');
    expect(() => new Signature('', [], false, {}, false)).toThrow(ConfigError);
    expect(() => new Signature('add', [1, 1], true, { queue: 'a b|c' }, false)).toThrow(
      'signature of "add" options.queue: must not contain braces, "|" or white space',
    );
    expect(() => new Signature('add', [1, 1], true, { priority: 42 } as never, false)).toThrow(/options\.priority: Too big/);
    expect(() => new Signature('add', [1, 1], true, { countdownMs: -5 }, false)).toThrow(/options\.countdownMs: Too small/);
    const fine = new Signature<never, number>('add', [1, 1], true, { queue: 'fast', priority: 3 }, false);
    expect(compileCanvas(fine).nodes[0]).toMatchObject({ task: 'add', options: { queue: 'fast', priority: 3 } });
  });
});
