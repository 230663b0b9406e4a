import type { InputTemplate } from './template.js';

/** The queue of a node that names none. */
export const DEFAULT_QUEUE = 'default';

/**
 * What a node is, fixed at submit: stored as JSON in the run's `specs` hash, without its
 * defaults (they are most of a wide group's memory): no `queue` means DEFAULT_QUEUE, and no
 * `nextQueues` beside `next` means [DEFAULT_QUEUE]. withSpecDefaults() (and decodeSpec() in
 * Lua) put them back. `next` and `nextQueues` are written first (specJsonOf in plan.ts), so
 * that the scripts read them without decoding the spec.
 */
export interface NodeSpec {
  readonly task: string;
  readonly args: readonly unknown[];
  /** What the node receives from upstream, prepended to `args`; absent when it receives nothing. */
  readonly input?: InputTemplate;
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
}

/** Fill in the defaults a stored spec omits (see NodeSpec). Mutates and returns the parsed JSON. */
export function withSpecDefaults<T>(parsed: T): T {
  if (parsed && typeof parsed === 'object') {
    const spec = parsed as { queue?: unknown; next?: unknown; nextQueues?: unknown };
    spec.queue ??= DEFAULT_QUEUE;
    if (spec.next !== undefined && spec.nextQueues === undefined) spec.nextQueues = [DEFAULT_QUEUE];
  }
  return parsed;
}
