import { describe, expect, it } from 'vitest';
import { chain, createApp, group, map, type TaskFailure } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { parseSpec } from '../../src/store/spec-format.js';
import { decodeElementPlan } from '../../src/store/expansion-format.js';

const app = createApp({ prefix: 'compile-on-error' });
const one = app.task({ name: 'one' }, (x: number) => x);
const other = app.task({ name: 'other', queue: 'other' }, (x: number) => x);
const list = app.task({ name: 'list' }, (x: number) => [x]);
const tell = app.task({ name: 'tell', queue: 'ops' }, (failure: TaskFailure) => failure.nodeId);
const note = app.task({ name: 'note' }, (text: string) => text);

function plan(canvas: Parameters<typeof compileCanvas>[0]) {
  return planSubmission(compileCanvas(canvas), { lookup: () => undefined, maxPayloadBytes: 1 << 20, maxCanvasNodes: 1000, maxCanvasBytes: 1 << 20 });
}

describe('compiling onError', () => {
  it('lays out the element, NO_ERROR_TASK after its exits, the error node and the callback reading it; what follows waits for the element alone', () => {
    const { nodes, output } = compileCanvas(chain(chain(one.si(1), one.s()).onError(chain(tell.s(), note.s())), one.s()));
    expect(nodes.map((node) => node.task)).toEqual(['one', 'one', 'celeriac:no-error', 'celeriac:error', 'tell', 'note', 'one']);
    expect(nodes[0]).toMatchObject({ guards: ['3'], next: ['1'] });
    expect(nodes[1]).toMatchObject({ guards: ['3'], next: ['2', '6'] });
    // Truthy: it skips the error node and the callback, ids 3 to 5.
    expect(nodes[2]).toMatchObject({ guards: [], waiting: 1, after: ['1'], branches: [6, 0, 3, 3], queueOf: '1' });
    // Waits for one thing that never succeeds, and has no parent.
    expect(nodes[3]).toMatchObject({ guards: [], waiting: 1, next: ['4'], after: [] });
    expect(nodes[4]).toMatchObject({ input: { node: '3' }, waiting: 1, errback: true, guards: [] });
    expect(nodes[5]).toMatchObject({ input: { node: '4' }, errback: true });
    expect(nodes[6]).toMatchObject({ input: { node: '1' }, waiting: 1, errback: false, guards: [] });
    expect(output).toEqual({ node: '6' });
  });

  it('nested elements: a node names every error node around it, innermost first; a callback names none outside it', () => {
    const { nodes } = compileCanvas(group(chain(one.si(1).onError(tell.s()), one.s()).onError(tell.s()), one.si(2)));
    expect(nodes.map((node) => `${node.task}${node.guards.length > 0 ? ` ${node.guards.join(',')}` : ''}`)).toEqual([
      'one 2,6', 'celeriac:no-error', 'celeriac:error', 'tell', 'one 6', 'celeriac:no-error', 'celeriac:error', 'tell', 'one',
    ]);
  });

  it('planning: NO_ERROR_TASK goes where the element ended, the error node on no queue; the specs carry guards and errback', () => {
    const planned = plan(chain(other.si(1).onError(tell.s()), other.s()));
    const specs = planned.nodes.map((node) => parseSpec(node.specJson));
    expect(specs[0]).toMatchObject({ guards: ['2'], queue: 'other' });
    expect(specs[1]).toMatchObject({ task: 'celeriac:no-error', queue: 'other', branches: [4, 0, 2, 2] });
    expect(specs[2]).toMatchObject({ task: 'celeriac:error', next: ['3'], nextQueues: ['ops'] });
    expect(specs[3]).toMatchObject({ task: 'tell', errback: true, queue: 'ops' });
    expect(planned.nodes.map((node) => node.waiting)).toEqual([0, 1, 1, 1, 1]);
    expect(planned.rootQueues).toEqual(['other']);
    // The error node is never delivered: its default queue is not one of the run's.
    expect([...planned.queues].sort()).toEqual(['ops', 'other']);
  });

  it("an onError inside a map's element is planned with the element, its ids the element's own", () => {
    const planned = plan(chain(list.si(1), map(one.s().onError(tell.s()))));
    const element = decodeElementPlan(parseSpec(planned.nodes[1]!.specJson).args[0]);
    expect(element.specs.map((spec) => [spec.task, spec.guards ?? [], spec.errback ?? false])).toEqual([
      ['one', ['3'], false], ['celeriac:no-error', [], false], ['celeriac:error', [], false], ['tell', [], true],
    ]);
    expect(element.exits).toEqual(['1']);
  });

  it('an element with no task (an empty group) cannot fail: no callback is compiled, its value passes through', () => {
    const { nodes, output } = compileCanvas(chain(one.si(1), group().onError(tell.s()), note.si('after')));
    expect(nodes.map((node) => node.task)).toEqual(['one', 'note']);
    // Immutable, it reads nothing; it waits for what preceded the empty group.
    expect(nodes[1]).toMatchObject({ input: null, waiting: 1, after: ['0'] });
    expect(output).toEqual({ node: '1' });
    const last = compileCanvas(chain(one.si(1), group().onError(tell.s())));
    expect(last.nodes.map((node) => node.task)).toEqual(['one']);
    expect(last.output).toEqual({ list: [] });
  });

  it('refuses a callback that is not a canvas, naming onError()', () => {
    expect(() => one.si(1).onError((() => 1) as never)).toThrow(/onError\(\): the callback must be a signature or canvas, got function/);
  });
});
