/**
 * A reference for canvas semantics, written straight from ../shared/CANVAS.md and independent of
 * the compiler: it walks the canvas objects the public builders produce and calls plain
 * functions in process. Property tests compare the engine's results with it, so it is kept
 * small enough to check by reading.
 *
 *   task.s(...args)    the previous value, if there is one, goes before args
 *   task.si(...args)   never receives the previous value
 *   chain(a, b, c)     each step's value feeds the next; the value is the last step's
 *   group(a, b)        every member gets the group's input; the value is the list of member
 *                      values in order (a group directly inside a group is flattened into it,
 *                      and an empty group's value is [])
 *   chord(header, b)   the header runs as a group, then the body gets its list
 *   dag()              nodes in the order added: one without `after` gets the dag's input, one
 *                      with one parent that parent's value, one with several their values, each
 *                      an argument of its own (in `after` order); the value is the one node no
 *                      other names in `after`, or the list of such nodes' values in order
 *   when(p, t, o)      p gets the input; when its value is truthy t gets the same input, else o
 *                      does; without o, the input is the value (null when there is none)
 *   map(e)             its input is a list; e runs once per item with the item as its input; the
 *                      value is the list of e's values in item order ([] for no item)
 *   replace(c)         a handler's return: its node's value is c's, c run with no input
 *   e.onError(cb)      e's value; cb runs only when a node of e fails (no task here ever fails;
 *                      an e with no task gets no callback at all)
 *
 * It also counts the nodes the run will have (`stats`): one per signature, both branches of a
 * when included; a map's node, and per item its element's nodes (not the item nodes a map may
 * add: they hold items, and run nothing); a replaced node, and its canvas's nodes; an onError's
 * two nodes (celeriac:no-error, celeriac:error) and its callback's nodes, which exist and are skipped.
 *
 * Two things it deliberately does not do, because they are validation, not semantics: refuse a
 * canvas that has no task at all (the engine does, with CanvasValidationError) and detect a
 * canvas that contains itself (the walk would not end; only give it valid canvases).
 */
import { type AnyCanvas, Canvas, Chain, Chord, Dag, Group, MapCanvas, OnError, Replacement, Signature, When } from '../../src/index.js';

/** A task's body. Arguments are whatever the canvas gives, so a function checks its own. */
export type TaskFunction = (...args: never[]) => unknown;

/** Task functions by task name, as the worker finds handlers by name. */
export type TaskFunctions = Readonly<Record<string, TaskFunction>>;

/**
 * The value a canvas receives: none at the start of a workflow, else its parent's value, or a
 * dag node's several parents' values (`spread`: each becomes an argument).
 */
type Input =
  | { readonly given: false }
  | { readonly given: true; readonly value: unknown }
  | { readonly given: true; readonly spread: readonly unknown[] };

const NOTHING: Input = { given: false };

/** What the evaluation counted. */
export interface EvaluationStats {
  /** The nodes the run has once it finished (maps expanded, skipped branches included). */
  nodes: number;
}

/** The value of running `canvas` as a whole workflow. */
export function evaluateCanvas(canvas: AnyCanvas, functions: TaskFunctions, stats: EvaluationStats = { nodes: 0 }): unknown {
  return evaluate(canvas, NOTHING, functions, stats);
}

/** The nodes a canvas that does not run has: its signatures and maps, no element expanded. */
function staticNodes(canvas: AnyCanvas): number {
  if (canvas instanceof Signature || canvas instanceof MapCanvas) return 1;
  if (canvas instanceof Chain) return canvas.steps.reduce((sum, step) => sum + staticNodes(step), 0);
  if (canvas instanceof Group) return canvas.members.reduce((sum, member) => sum + staticNodes(member), 0);
  if (canvas instanceof Chord) return staticNodes(canvas.header) + staticNodes(canvas.body);
  if (canvas instanceof Dag) return canvas.entries.reduce((sum, entry) => sum + staticNodes(entry.canvas), 0);
  if (canvas instanceof When) return staticNodes(canvas.predicate) + staticNodes(canvas.then) + (canvas.otherwise ? staticNodes(canvas.otherwise) : 0);
  if (canvas instanceof OnError) {
    const element = staticNodes(canvas.element);
    // An element with no task cannot fail: it gets no callback.
    return element === 0 ? 0 : element + 2 + staticNodes(canvas.callback);
  }
  throw new Error(`reference evaluator: not a canvas: ${String(canvas)}`);
}

function evaluate(canvas: AnyCanvas, input: Input, functions: TaskFunctions, stats: EvaluationStats): unknown {
  if (canvas instanceof Signature) {
    stats.nodes++;
    const fn = functions[canvas.task];
    if (!fn) throw new Error(`reference evaluator: no function for task "${canvas.task}"`);
    const upstream = canvas.immutable || !input.given ? [] : 'spread' in input ? input.spread : [input.value];
    const args = [...upstream, ...canvas.args];
    const result = (fn as (...args: unknown[]) => unknown)(...args);
    // replace(canvas): the node's value is the canvas's, run with no input (its steps carry their args).
    if (result instanceof Replacement) return evaluate(result.canvas, NOTHING, functions, stats);
    // CANVAS.md's tasks return values; the engine documents a handler returning nothing as null.
    return result === undefined ? null : result;
  }
  if (canvas instanceof Chain) {
    if (canvas.steps.length === 0) throw new Error('reference evaluator: a chain needs at least one step');
    let current = input;
    let value: unknown = null;
    for (const step of canvas.steps) {
      value = evaluate(step, current, functions, stats);
      current = { given: true, value };
    }
    return value;
  }
  if (canvas instanceof Group) return memberValues(canvas.members, input, functions, stats);
  if (canvas instanceof Chord) {
    const list = memberValues(canvas.header.members, input, functions, stats);
    return evaluate(canvas.body, { given: true, value: list }, functions, stats);
  }
  if (canvas instanceof When) {
    const decision = evaluate(canvas.predicate, input, functions, stats);
    // The branch not taken is skipped: its nodes exist, and never run.
    if (decision) {
      if (canvas.otherwise) stats.nodes += staticNodes(canvas.otherwise);
      return evaluate(canvas.then, input, functions, stats);
    }
    stats.nodes += staticNodes(canvas.then);
    if (canvas.otherwise) return evaluate(canvas.otherwise, input, functions, stats);
    return !input.given ? null : 'spread' in input ? input.spread : input.value;
  }
  if (canvas instanceof Dag) {
    const values: unknown[] = [];
    const hasChild = new Set<number>();
    for (const { canvas: node, after } of canvas.entries) {
      for (const parent of after) hasChild.add(parent);
      const parents = after.map((parent) => values[parent]);
      const received: Input = after.length === 0 ? input : after.length === 1 ? { given: true, value: parents[0] } : { given: true, spread: parents };
      values.push(evaluate(node, received, functions, stats));
    }
    const sinks = values.filter((_, index) => !hasChild.has(index));
    return sinks.length === 1 ? sinks[0] : sinks;
  }
  if (canvas instanceof OnError) {
    // Its two nodes and the callback's exist (unless the element has no task, which cannot
    // fail); no task fails here, so the callback is skipped.
    if (staticNodes(canvas.element) > 0) stats.nodes += 2 + staticNodes(canvas.callback);
    return evaluate(canvas.element, input, functions, stats);
  }
  if (canvas instanceof MapCanvas) {
    const list = input.given && !('spread' in input) ? input.value : undefined;
    if (!Array.isArray(list)) throw new Error('reference evaluator: a map needs a list');
    stats.nodes += 1;
    return list.map((item: unknown) => evaluate(canvas.element, { given: true, value: item }, functions, stats));
  }
  throw new Error(`reference evaluator: not a canvas: ${String(canvas)}`);
}

function memberValues(members: readonly AnyCanvas[], input: Input, functions: TaskFunctions, stats: EvaluationStats): unknown[] {
  const values: unknown[] = [];
  for (const member of members) {
    // The builders already flatten groups in groups; a Group made by hand may not have been.
    if (member instanceof Group) values.push(...memberValues(member.members, input, functions, stats));
    else values.push(evaluate(member, input, functions, stats));
  }
  return values;
}

/**
 * Every signature of a canvas in canvas order (chain steps, group members, chord header then
 * body, depth first): the order in which the compiler numbers its nodes. A signature object
 * used twice counts twice, as it becomes two nodes.
 */
export function signaturesOf(canvas: unknown): Signature<unknown, unknown>[] {
  const found: Signature<unknown, unknown>[] = [];
  const walk = (item: unknown): void => {
    if (!(item instanceof Canvas)) throw new Error(`signaturesOf: not a canvas: ${String(item)}`);
    if (item instanceof Signature) found.push(item as Signature<unknown, unknown>);
    else if (item instanceof Chain) item.steps.forEach(walk);
    else if (item instanceof Group) item.members.forEach(walk);
    else if (item instanceof Chord) {
      walk(item.header);
      walk(item.body);
    } else if (item instanceof Dag) item.entries.forEach((entry) => walk(entry.canvas));
    else if (item instanceof MapCanvas) walk(item.element);
    else if (item instanceof When) {
      walk(item.predicate);
      walk(item.then);
      if (item.otherwise) walk(item.otherwise);
    }
  };
  walk(canvas);
  return found;
}
