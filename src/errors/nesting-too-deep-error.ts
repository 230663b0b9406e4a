import { CeleriacError } from './celeriac-error.js';

/**
 * A value (arguments or a result) or a canvas is nested deeper than celeriac carries: deeper
 * values would overflow the stack of whoever walks them next (this process, a worker, or the
 * JSON decoder inside Redis's Lua scripts). Nothing was written.
 */
export class NestingTooDeepError extends CeleriacError {
  readonly code = 'NESTING_TOO_DEEP';
  /** Where the nesting went over the limit, e.g. `chain[0] > add args[0][0][0]` or `group[3] > chain[1] > group`. */
  readonly path: string;
  /** What was too deep: a value (arguments or a result) or the canvas itself. */
  readonly what: 'value' | 'canvas';
  /** The most levels allowed. */
  readonly limit: number;

  constructor(what: 'value' | 'canvas', path: string, limit: number) {
    super(
      what === 'value'
        ? `${path}: the value is nested more than ${limit} levels deep (arrays and objects inside each other)`
        : `${path}: the canvas is nested more than ${limit} levels deep (chains, groups and chords inside each other)`,
    );
    this.what = what;
    this.path = path;
    this.limit = limit;
  }
}
