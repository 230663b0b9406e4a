import { type AnyCanvas, Canvas, OnError } from '../canvas/canvas.js';
import { Chain, Chord, Group } from '../canvas/builders.js';
import { Dag } from '../canvas/dag.js';
import { When } from '../canvas/when.js';
import { MapCanvas } from '../canvas/map.js';
import type { ContractSpec } from '../canvas/contract-spec.js';
import { Signature, type SignatureOptions } from '../canvas/signature.js';
import { CanvasTooLargeError, CanvasValidationError, NestingTooDeepError } from '../errors/index.js';
import { MAX_CANVAS_DEPTH } from './limits.js';
import { ERROR_TASK, ITEM_TASK, MAP_TASK, NO_ERROR_TASK, type NodeBranches } from './spec.js';
import { type InputTemplate, templateNodes } from './template.js';

/** One task invocation in the DAG. */
export interface NodeAttributes {
  readonly task: string;
  /** The arguments bound in the signature (the parent's value, if any, goes before them). */
  readonly args: readonly unknown[];
  /** What the node receives from upstream, prepended to `args`; null when it receives nothing. */
  readonly input: InputTemplate | null;
  /**
   * The input is a list whose items are prepended one by one (a dag node with several parents
   * receives each parent's value as an argument of its own), not as one list.
   */
  readonly spread: boolean;
  /** A `when`'s predicate (the node whose value picks the branch): its branches' id ranges; else null. */
  readonly branches: NodeBranches | null;
  readonly options: SignatureOptions;
  readonly byName: boolean;
  /** The task's contract when the signature came from a task or contract (submit validates against it). */
  readonly contract: ContractSpec | null;
  /** Where the signature sits in the canvas, for error messages: `chain[1] > group[0] > add`. */
  readonly path: string;
  /**
   * A map node's element, compiled on its own: its node 0 stands for the item (ITEM_TASK), which
   * the element's first steps read as their input. Null for other nodes.
   */
  readonly element: CompiledWorkflow | null;
  /** The error nodes of the `onError` elements the node is in, innermost first (NodeSpec.guards). */
  readonly guards: readonly string[];
  /** A node of an error callback (NodeSpec.errback). */
  readonly errback: boolean;
  /** Delivered on the queue of this node (an onError's NO_ERROR_TASK: where its element ended); else null. */
  readonly queueOf: string | null;
}

/** A node with its edges, as planning reads it. */
export interface CompiledNode extends NodeAttributes {
  readonly id: string;
  /** Dependants: nodes that wait for this one, in id order. */
  readonly next: readonly string[];
  /** How many nodes this one waits for. */
  readonly waiting: number;
  /**
   * The nodes it waits for without reading their values (an immutable signature's
   * predecessors): with the input template's nodes, all of them. Empty for most nodes.
   */
  readonly after: readonly string[];
}

export interface CompiledWorkflow {
  /** Nodes are numbered "0", "1", ... in canvas order, which is also a topological order. */
  readonly nodes: readonly CompiledNode[];
  /** Which results, in which nesting, form the run's value. */
  readonly output: InputTemplate;
  /** The nodes whose success means the canvas is done (a map's element: what the map waits for). */
  readonly exits: readonly string[];
}

interface MutableNode extends NodeAttributes {
  branches: NodeBranches | null;
  readonly guards: string[];
  readonly id: string;
  readonly next: string[];
  waiting: number;
  readonly after: string[];
}

/** What a dag node with several parents receives: their values, each prepended as an argument. */
interface SpreadInput {
  readonly spread: readonly InputTemplate[];
}

/** What a piece of canvas receives from upstream. */
type Received = InputTemplate | SpreadInput;

/** What flows out of a compiled piece of canvas. */
interface Piece {
  /** Template of the piece's value. */
  readonly value: InputTemplate;
  /** Nodes whose success means the piece is done (what a following step waits for). */
  readonly exits: readonly string[];
}

/** Where a part sits in the canvas, for error messages: `chain[1] > group[0] > add`. */
function childPath(path: string, part: string): string {
  return path ? `${path} > ${part}` : part;
}

export interface CompileOptions {
  /** Refuse the canvas (CanvasTooLargeError) as soon as the walk meets more nodes than this. */
  readonly maxNodes?: number;
  /**
   * A canvas added at run time: node 0 stands for a map's item, which the canvas receives as its
   * input (`receivesItem`), or, for a replacement, is a placeholder nothing reads.
   */
  readonly element?: { readonly path: string; readonly depth: number; readonly receivesItem?: boolean };
}

/**
 * Compile a canvas into a DAG. Pure: no I/O, no registry. The rules are Celery's (see
 * ../shared CANVAS.md): a chain feeds each value to the next step, a group gives every member
 * its input and yields the list of member values, a chord is a group followed by its body. A
 * dag's nodes wait for the nodes named in their `after` and receive their values as arguments
 * (docs/canvas.md).
 * A canvas over `maxNodes` or nested deeper than MAX_CANVAS_DEPTH is refused during the walk,
 * before the rest of it costs anything.
 */
export function compileCanvas(canvas: unknown, options: CompileOptions = {}): CompiledWorkflow {
  const maxNodes = options.maxNodes ?? Infinity;
  // Plain arrays while compiling: a wide group is compiled on every submit, and building a
  // graphology graph for it costs more than the rest of compiling.
  const nodes: MutableNode[] = [];
  const onPath = new Set<object>();
  let nextId = 0;
  // How many onError callbacks the walk is inside: their nodes run in a failed run, and are guarded by nothing.
  let errbacks = 0;
  // Containers (chains, groups, chords) being visited: the recursion's depth.
  let depth = options.element?.depth ?? 0;
  if (options.element) {
    nodes.push(itemNode(options.element.path));
    nextId = 1;
  }
  const enter = (path: string): void => {
    if (++depth > MAX_CANVAS_DEPTH) throw new NestingTooDeepError('canvas', path || 'canvas', MAX_CANVAS_DEPTH);
  };

  /** Add a node after `after`: it waits for each, and those its input does not read are its `after`. */
  const addNode = (node: MutableNode, after: readonly string[]): Piece => {
    nodes.push(node);
    const reads = node.input ? new Set(templateNodes(node.input)) : null;
    for (const from of after.length > 1 ? new Set(after) : after) {
      nodes[Number(from)]!.next.push(node.id);
      node.waiting++;
      if (!reads?.has(from)) node.after.push(from);
    }
    return { value: { node: node.id }, exits: [node.id] };
  };

  const visit = (item: unknown, path: string, input: Received | null, after: readonly string[]): Piece => {
    // A signature contains nothing, so it cannot be on its own path (most of a wide group's members).
    if (item instanceof Signature) return visitCanvas(item, path, input, after);
    if (!(item instanceof Canvas)) {
      const got = item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item;
      throw new CanvasValidationError(path || 'canvas', `expected a signature, chain, group, chord, dag, when or map, got ${got}`);
    }
    if (onPath.has(item)) {
      throw new CanvasValidationError(path, 'the canvas contains itself (a cycle); a workflow must be a DAG');
    }
    onPath.add(item);
    enter(path);
    try {
      return visitCanvas(item as AnyCanvas, path, input, after);
    } finally {
      onPath.delete(item);
      depth--;
    }
  };

  const visitCanvas = (item: AnyCanvas, path: string, input: Received | null, after: readonly string[]): Piece => {
    if (item instanceof Signature) {
      if (nextId >= maxNodes) throw new CanvasTooLargeError('nodes', nextId + 1, maxNodes, true);
      const id = String(nextId++);
      const received = item.immutable ? null : input;
      const spread = received !== null && 'spread' in received;
      const receives = received === null ? null : spread ? { list: received.spread } : received;
      const node: MutableNode = {
        ...blankNode(id, item.task, childPath(path, item.task), errbacks > 0),
        args: item.args,
        input: receives,
        spread,
        options: item.options,
        byName: item.byName,
        contract: item.contract ?? null,
      };
      return addNode(node, after);
    }
    if (item instanceof Chain) {
      if (item.steps.length === 0) throw new CanvasValidationError(childPath(path, 'chain'), 'a chain needs at least one step');
      // (Replaced by the first step's piece: a chain has at least one.)
      let piece: Piece = { value: { list: [] }, exits: after };
      let value = input;
      item.steps.forEach((step, index) => {
        piece = visit(step, childPath(path, `chain[${index}]`), value, piece.exits);
        value = piece.value;
      });
      return piece;
    }
    if (item instanceof Group) return visitGroup(item.members, childPath(path, 'group'), input, after);
    if (item instanceof Chord) {
      const header = visitGroup(item.header.members, childPath(path, 'chord.header'), input, after);
      return visit(item.body, childPath(path, 'chord.body'), header.value, header.exits);
    }
    if (item instanceof Dag) return visitDag(item, childPath(path, 'dag'), input, after);
    if (item instanceof When) return visitWhen(item, childPath(path, 'when'), input, after);
    if (item instanceof MapCanvas) return visitMap(item, childPath(path, 'map'), input, after);
    if (item instanceof OnError) return visitOnError(item, path, input, after);
    throw new CanvasValidationError(path || 'canvas', `unknown canvas kind "${String(item.kind)}"`);
  };

  /**
   * A dag's nodes in the order they were added (so parents come first): a node without `after`
   * receives the dag's input, one with a single parent that parent's value, one with several a
   * SpreadInput. Its value is its single sink's, or the list of its sinks' values; what follows it
   * waits for its sinks, which wait, transitively, for every other node of it.
   */
  const visitDag = (item: Dag<never, unknown>, path: string, input: Received | null, after: readonly string[]): Piece => {
    const { entries } = item;
    if (entries.length === 0) throw new CanvasValidationError(path, 'a dag needs at least one node');
    const pieces: Piece[] = [];
    const hasChild: boolean[] = [];
    entries.forEach((entry, index) => {
      const at = `${path}[${index}]`;
      if (entry.after.length === 0) {
        pieces.push(visit(entry.canvas, at, input, after));
        return;
      }
      const parents = entry.after.map((parent) => {
        const piece = Number.isInteger(parent) && parent >= 0 && parent < index ? pieces[parent] : undefined;
        if (!piece) throw new CanvasValidationError(at, `after names node ${parent}, which is not a node added before it`);
        hasChild[parent] = true;
        return piece;
      });
      const received: Received = parents.length === 1 ? parents[0]!.value : { spread: parents.map((parent) => parent.value) };
      const waitsFor = new Set<string>();
      for (const parent of parents) for (const exit of parent.exits) waitsFor.add(exit);
      pieces.push(visit(entry.canvas, at, received, [...waitsFor]));
    });
    const sinks = pieces.filter((_, index) => hasChild[index] !== true);
    const exits = new Set<string>();
    for (const sink of sinks) for (const exit of sink.exits) exits.add(exit);
    const value: InputTemplate = sinks.length === 1 ? sinks[0]!.value : { list: sinks.map((sink) => sink.value) };
    return { value, exits: [...exits] };
  };

  /**
   * A `when`: the predicate, then each branch with the same input, after the predicate's one
   * exit (the node whose value decides). The branches' nodes are
   * numbered consecutively, so the decider's spec names each branch as an id range, which
   * complete-nodes skips when the branch is not taken. What follows waits for the decider and
   * both branches' exits (a skipped exit counts as done; without an otherwise, what precedes the
   * `when` stands for that branch).
   */
  const visitWhen = (item: When<never, unknown>, path: string, input: Received | null, after: readonly string[]): Piece => {
    const predicate = visit(item.predicate, `${path}.predicate`, input, after);
    const [exit] = predicate.exits;
    const decider = predicate.exits.length === 1 && 'node' in predicate.value && predicate.value.node === exit ? nodes[Number(exit)] : undefined;
    if (!decider) {
      throw new CanvasValidationError(`${path}.predicate`, "a when's predicate must end in one task: that task's value picks the branch");
    }
    // The branches wait for the decider alone: it waits for what precedes the `when`, whose value
    // they read, so that value exists; and what precedes it (a wide group) is not made to count
    // down every node of both branches.
    const branchAfter = [decider.id];
    const thenFirst = nextId;
    const then = visit(item.then, `${path}.then`, input, branchAfter);
    const elseFirst = nextId;
    const otherwise = item.otherwise ? visit(item.otherwise, `${path}.otherwise`, input, branchAfter) : null;
    decider.branches = [thenFirst, elseFirst - thenFirst, elseFirst, nextId - elseFirst];
    // Without an otherwise, a falsy predicate passes the input through (nothing, at a run's start).
    const passed: InputTemplate | null = input === null ? null : 'spread' in input ? { list: input.spread } : input;
    const elseValue = otherwise ? otherwise.value : passed;
    const value: InputTemplate = { when: decider.id, then: then.value, ...(elseValue ? { else: elseValue } : {}) };
    // The decider too: what follows reads its value (the template's `when`), so it waits for it;
    // and without an otherwise, what precedes the when, whose value it may pass through. So
    // whatever a skip makes ready is among the decider's dependants, on queues its route names.
    const exits = new Set<string>([decider.id, ...then.exits]);
    for (const id of otherwise ? otherwise.exits : after) exits.add(id);
    return { value, exits: [...exits] };
  };

  /**
   * A map: one node, whose element is compiled on its own (its node 0 the item) and added to the
   * run once per item when the node runs (worker/map-attempt.ts, expand-node.lua). Its value is
   * the node's: the list of the element's values. A map of nothing is refused: it has no list.
   */
  const visitMap = (item: MapCanvas<never, unknown>, path: string, input: Received | null, after: readonly string[]): Piece => {
    if (input === null) throw new CanvasValidationError(path, 'a map needs a list from the step before it; it cannot start a canvas');
    if (nextId >= maxNodes) throw new CanvasTooLargeError('nodes', nextId + 1, maxNodes, true);
    const element = compileCanvas(item.element, {
      maxNodes: maxNodes - nextId,
      element: { path: `${path}.element`, depth },
    });
    const id = String(nextId++);
    const receives = 'spread' in input ? { list: input.spread } : input;
    const node: MutableNode = { ...blankNode(id, MAP_TASK, childPath(path, MAP_TASK), errbacks > 0), input: receives, element };
    return addNode(node, after);
  };

  /**
   * An element with an error callback: the element's nodes, then NO_ERROR_TASK after its exits,
   * then the error node (ERROR_TASK: pending, waiting for nothing that will ever succeed; it fires
   * when a node of the element fails for good) and the callback after it, reading its value. Every
   * node of the element names the error node in its guards. When the element succeeds,
   * NO_ERROR_TASK runs and its branches skip the error node and the callback; when it fails,
   * NO_ERROR_TASK is cancelled with what follows the failed node. What follows the element waits
   * for its exits, as without the callback.
   */
  const visitOnError = (item: OnError<never, unknown>, path: string, input: Received | null, after: readonly string[]): Piece => {
    const first = nextId;
    const piece = visit(item.element, path, input, after);
    // An element with no task (an empty group) cannot fail: its callback would only ever be skipped.
    if (nextId === first) return piece;
    // (An onError of the element's own callbacks does not guard their nodes: a callback's failure fires nothing outside it.)
    for (let index = first; index < nextId; index++) {
      const node = nodes[index]!;
      if (node.task !== ERROR_TASK && node.task !== NO_ERROR_TASK && (errbacks > 0 || !node.errback)) node.guards.push(String(nextId + 1));
    }
    if (nextId + 2 > maxNodes) throw new CanvasTooLargeError('nodes', nextId + 2, maxNodes, true);
    const noErrorId = String(nextId++);
    const noError: MutableNode = { ...blankNode(noErrorId, NO_ERROR_TASK, childPath(path, NO_ERROR_TASK), errbacks > 0), queueOf: piece.exits[0] ?? null };
    addNode(noError, piece.exits);
    const errorId = String(nextId++);
    // Waits for one thing that never succeeds: never a root, never made ready by an edge.
    const error: MutableNode = { ...blankNode(errorId, ERROR_TASK, childPath(path, ERROR_TASK), errbacks > 0), waiting: 1 };
    nodes.push(error);
    errbacks++;
    try {
      visit(item.callback, childPath(path, 'onError'), { node: errorId }, [errorId]);
    } finally {
      errbacks--;
    }
    // Truthy (NO_ERROR_TASK's value is true): the error node and the callback are skipped.
    noError.branches = [nextId, 0, Number(errorId), nextId - Number(errorId)];
    return piece;
  };

  const visitGroup = (
    members: readonly AnyCanvas[],
    path: string,
    input: Received | null,
    after: readonly string[],
  ): Piece => {
    // An empty group is done as soon as what precedes it is; its value is [].
    if (members.length === 0) return { value: { list: [] }, exits: after };
    const values: InputTemplate[] = [];
    const exits: string[] = [];
    members.forEach((member, index) => {
      // A group directly inside a group is flattened (the builders do it too; a hand-made
      // Group object may not have been).
      if (member instanceof Group) {
        // This path bypasses visit(), so it keeps the cycle check itself: a group that contains
        // itself would otherwise recurse until the stack overflows.
        if (onPath.has(member)) {
          throw new CanvasValidationError(`${path}[${index}]`, 'the canvas contains itself (a cycle); a workflow must be a DAG');
        }
        onPath.add(member);
        enter(`${path}[${index}]`);
        try {
          const inner = visitGroup(member.members, `${path}[${index}]`, input, after);
          // Loops, not push(...list): a spread of 100,000+ arguments overflows the stack.
          if ('list' in inner.value) for (const value of inner.value.list) values.push(value);
          for (const exit of inner.exits) exits.push(exit);
        } finally {
          onPath.delete(member);
          depth--;
        }
        return;
      }
      const piece = visit(member, `${path}[${index}]`, input, after);
      values.push(piece.value);
      for (const exit of piece.exits) exits.push(exit);
    });
    return { value: { list: values }, exits: [...new Set(exits)] };
  };

  if (options.element) {
    const receivesItem = options.element.receivesItem !== false;
    const top = visit(canvas, options.element.path, receivesItem ? { node: '0' } : null, []);
    if (nodes.length === 1) {
      throw new CanvasValidationError(options.element.path, receivesItem ? "a map's element has no task to run (an empty group?)" : 'the canvas has no task to run (an empty group?)');
    }
    return { nodes, output: top.value, exits: top.exits };
  }
  const top = visit(canvas, '', null, []);
  if (nodes.length === 0) {
    throw new CanvasValidationError('canvas', 'the canvas has no task to run (an empty group?)');
  }
  return { nodes, output: top.value, exits: top.exits };
}

/** A node of `task` with no args, input, options or edges: what compile's own nodes start from. */
function blankNode(id: string, task: string, path: string, errback: boolean): MutableNode {
  return {
    id, task, args: [], input: null, spread: false, branches: null, options: {}, byName: true, contract: null, path,
    element: null, guards: [], errback, queueOf: null, next: [], waiting: 0, after: [],
  };
}

/** A map element's node 0: its item, which its first steps read. */
function itemNode(path: string): MutableNode {
  return blankNode('0', ITEM_TASK, `${path} > item`, false);
}
