import type { InputTemplate } from './template.js';

/** A `when` predicate's branches: [thenFirst, thenCount, elseFirst, elseCount] (node ids). */
export type NodeBranches = readonly [thenFirst: number, thenCount: number, elseFirst: number, elseCount: number];

/**
 * The task of a map node: run by every worker itself (worker/map-attempt.ts), never registered.
 * Its one bound arg is the element's plan (store/expansion-format.ts).
 */
export const MAP_TASK = 'celeriac:map';
/** The task of the nodes that hold a map's items (born succeeded; never run). */
export const ITEM_TASK = 'celeriac:item';

/**
 * The two nodes `onError` adds around the element it wraps (canvas/on-error.ts, docs/canvas.md
 * "onError"). ERROR_TASK holds the failure: born pending and never delivered, it succeeds with
 * the failure as its value when a node of the element fails for good (includes/fail.lua), which
 * releases the callback after it. NO_ERROR_TASK waits for the element's exits and is run by every
 * worker itself (it returns true): its `branches` then skip the error node and the callback.
 */
export const ERROR_TASK = 'celeriac:error';
export const NO_ERROR_TASK = 'celeriac:no-error';

/** The queue of a node that names none. */
export const DEFAULT_QUEUE = 'default';

/**
 * What a node is, fixed at submit: stored in the run's `specs` hash in the format that
 * store/spec-format.ts owns (compact, without its defaults), and read back with them.
 */
export interface NodeSpec {
  readonly task: string;
  readonly args: readonly unknown[];
  /** What the node receives from upstream, prepended to `args`; absent when it receives nothing. */
  readonly input?: InputTemplate;
  /** The input is a list whose items are prepended one by one (a dag node with several parents). */
  readonly spread?: true;
  /**
   * A `when`'s predicate: the id ranges of its branches. When it succeeds, complete-nodes skips
   * the nodes of the branch its result does not pick.
   */
  readonly branches?: NodeBranches;
  readonly queue: string;
  /** 0 to 9, higher first; absent means 0. */
  readonly priority?: number;
  readonly countdownMs?: number;
  /** Not before this instant (ms since the epoch, Redis's clock); absent means none. */
  readonly etaMs?: number;
  /**
   * Nodes it waits for without reading their results (an immutable signature's predecessors);
   * absent for most nodes. Its parents are these and the nodes its input reads.
   */
  readonly after?: readonly string[];
  /** Dependants: nodes that wait for this one. */
  readonly next?: readonly string[];
  /** The queues those dependants are delivered on (complete-node needs their keys). */
  readonly nextQueues?: readonly string[];
  /** Its one dependant is a chain step after it (SpecFields.hop in store/spec-format.ts). */
  readonly hop?: true;
  /** The node that added it at run time (a map, or a node replaced by a canvas); absent for the nodes of the submitted canvas. */
  readonly parent?: string;
  /**
   * The error nodes (ERROR_TASK) of the `onError` elements this node is in, outermost first:
   * when it fails for good, each that has not fired fires. Absent for most nodes.
   */
  readonly guards?: readonly string[];
  /** A node of an error callback: it may start, retry and release what follows it in a failed run. */
  readonly errback?: true;
}
