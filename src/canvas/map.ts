import { assertCanvas } from './builders.js';
import { type AnyCanvas, Canvas, type InputOf, type OutputOf } from './canvas.js';

/**
 * A map over a list made at run time: its input must be a list, and `element` runs once per
 * item, in parallel, with the item prepended as a chain step's input would be. The value is the
 * list of the element runs' values in item order ([] for an empty list). The nodes are added to
 * the run when the list is known (docs/canvas.md, "map").
 */
export class MapCanvas<In, Out> extends Canvas<In, Out> {
  readonly kind = 'map' as const;
  constructor(readonly element: AnyCanvas) {
    super();
  }
}

/**
 * `map(canvas)`: run `canvas` once per item of the list it receives, in parallel; the value is
 * the list of their values, in the list's order. `chain(listFiles.s(dir), map(processFile.s()), merge.s())`.
 */
export function map<E extends AnyCanvas>(element: E): MapCanvas<readonly InputOf<E>[], OutputOf<E>[]> {
  assertCanvas('map() element', element);
  return new MapCanvas(element);
}
