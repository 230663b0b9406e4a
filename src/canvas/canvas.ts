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
  abstract readonly kind: 'signature' | 'chain' | 'group' | 'chord' | 'dag' | 'when' | 'map';
  /** Phantom (never set at run time): the parent value this canvas accepts. */
  declare readonly __input?: (input: In) => void;
  /** Phantom (never set at run time): the value this canvas produces. */
  declare readonly __output?: Out;
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
