import { CeleriacError } from './celeriac-error.js';

/** The canvas handed to `submit` cannot be run as written. Nothing was written to Redis. */
export class CanvasValidationError extends CeleriacError {
  readonly code = 'CANVAS_INVALID';
  /** Where in the canvas, e.g. `chain[1] > group[0] > add`. */
  readonly path: string;

  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options);
    this.path = path;
  }
}
