import { assertCanvas } from './builders.js';
import type { AnyCanvas, OutputOf } from './canvas.js';

/**
 * What a handler returns to replace its node by a canvas (`replace(canvas)`): the node's value
 * becomes the canvas's value, and what depends on the node waits for it.
 */
export class Replacement<Out> {
  /** Phantom (never set at run time): the value the node will have. */
  declare readonly __value?: Out;
  constructor(readonly canvas: AnyCanvas) {}
}

/**
 * `return replace(canvas)` from a handler: the node is replaced by `canvas`, added to the run
 * when the handler returns; the node's value is the canvas's value. The canvas's signatures
 * carry their own args, as with `.si()`: nothing is prepended to its first steps.
 */
export function replace<C extends AnyCanvas>(canvas: C): Replacement<OutputOf<C>> {
  assertCanvas('replace()', canvas);
  return new Replacement(canvas);
}

/** A handler's result type with a replacement's value in place of the replacement. */
export type Unreplaced<R> = R extends Replacement<infer V> ? V : R;
