import { ConfigError } from '../errors/index.js';
import { assertCanvas } from './builders.js';
import { type AnyCanvas, Canvas, type InputOf, type OutputOf } from './canvas.js';

/**
 * A branch: the predicate runs with the input; when its value is truthy (JavaScript's rules on
 * the JSON value: false, 0, "" and null are falsy, [] and {} are truthy) `then` runs with the same
 * input, else `otherwise` does, or, with no otherwise, the input passes through unchanged. The
 * value is the branch's. The nodes of the branch not taken become `skipped`.
 */
export class When<In, Out> extends Canvas<In, Out> {
  readonly kind = 'when' as const;
  constructor(
    readonly predicate: AnyCanvas,
    readonly then: AnyCanvas,
    /** null: a falsy predicate passes the input through. */
    readonly otherwise: AnyCanvas | null,
  ) {
    super();
  }
}

/** What `when` accepts: every part must accept the input. */
export type WhenInput<P, T, O> = InputOf<P> & InputOf<T> & ([O] extends [null] ? unknown : InputOf<O>);

/**
 * `when(predicate, then, otherwise?)`: run `predicate` with the input; then `then` with the same
 * input when its value is truthy, else `otherwise` (or nothing: the input is the value). The
 * nodes of the branch not taken are `skipped`. At the start of a run there is no input: each part
 * runs with its own args, and a falsy predicate with no otherwise gives null.
 */
export function when<P extends AnyCanvas, T extends AnyCanvas>(predicate: P, then: T): When<WhenInput<P, T, null>, OutputOf<T> | InputOf<P>>;
export function when<P extends AnyCanvas, T extends AnyCanvas, O extends AnyCanvas>(
  predicate: P,
  then: T,
  otherwise: O,
): When<WhenInput<P, T, O>, OutputOf<T> | OutputOf<O>>;
export function when(predicate: unknown, then: unknown, otherwise?: unknown): When<unknown, unknown> {
  assertCanvas('when() predicate', predicate);
  assertCanvas('when() then', then);
  if (otherwise !== undefined && otherwise !== null) assertCanvas('when() otherwise', otherwise);
  else if (otherwise === null) throw new ConfigError('when() otherwise', 'leave it out for a pass-through, or give a canvas');
  return new When(predicate, then, otherwise ?? null);
}
