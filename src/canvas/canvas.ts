import { ConfigError } from '../errors/index.js';

/**
 * The canvas: what a user builds with `task.s()`, `chain`, `group` and `chord` before submitting
 * it. Pure data, no I/O. Every canvas carries two phantom types:
 *   In  - the value it accepts from its parent (a chain's previous step); `never` means it cannot
 *         take one (a fully bound signature), `unknown` means it ignores it (an immutable one).
 *   Out - the value it produces.
 * `In` sits in a function-parameter position so that TypeScript checks it contravariantly: a
 * chain link whose types do not line up fails to compile.
 */
export abstract class Canvas<In, Out> {
  abstract readonly kind: 'signature' | 'chain' | 'group' | 'chord' | 'dag' | 'when' | 'map' | 'onError';
  /** Phantom (never set at run time): the parent value this canvas accepts. */
  declare readonly __input?: (input: In) => void;
  /** Phantom (never set at run time): the value this canvas produces. */
  declare readonly __output?: Out;

  /**
   * Run `callback` once when this element fails for good (a node of it fails with no retry
   * left), with the failure (TaskFailure) prepended to its args as a chain step's input. The run
   * still fails; the callback's own failure is recorded and fires nothing. When the element
   * succeeds, the callback's nodes are `skipped`. Returns a new canvas: this one is unchanged.
   */
  onError<C extends Canvas<TaskFailure, unknown>>(callback: C): OnError<In, Out> {
    if (!(callback instanceof Canvas)) {
      const got = callback === null ? 'null' : Array.isArray(callback) ? 'an array' : typeof callback;
      throw new ConfigError('onError()', `the callback must be a signature or canvas, got ${got}`);
    }
    return new OnError<In, Out>(this as unknown as AnyCanvas, callback as unknown as AnyCanvas);
  }
}

/** What an error callback receives, prepended to its args: the node that failed for good, and its error. */
export interface TaskFailure {
  readonly runId: string;
  readonly nodeId: string;
  readonly task: string;
  readonly error: { readonly name: string; readonly message: string; readonly stack?: string; readonly code?: string };
}

/**
 * An element with an error callback (`canvas.onError(callback)`): it accepts and produces what
 * the element does; the callback runs only when the element fails (docs/canvas.md "onError").
 */
export class OnError<In, Out> extends Canvas<In, Out> {
  readonly kind = 'onError' as const;
  constructor(
    readonly element: AnyCanvas,
    readonly callback: AnyCanvas,
  ) {
    super();
  }
}

/** Any canvas at all, whatever it accepts or produces. */
export type AnyCanvas = Canvas<never, unknown>;

/** What a canvas accepts from its parent. */
export type InputOf<C> = C extends Canvas<infer I, unknown> ? I : never;
/** What a canvas produces. */
export type OutputOf<C> = C extends Canvas<never, infer O> ? O : never;

/**
 * Phantom type of what a node with several parents receives: their values, prepended to its
 * args in `after` order. A signature that leaves its first N arguments open (`combine.s()` for a
 * two-argument task) accepts `Spread<[A, B]>`; a chain step never receives one.
 */
export interface Spread<T extends readonly unknown[]> {
  /** Phantom (never set at run time). */
  readonly __spread: T;
}
