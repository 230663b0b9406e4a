import { CeleriacError } from './celeriac-error.js';

/** A value (arguments or a result) cannot cross Redis as JSON without losing information. */
export class NotJsonError extends CeleriacError {
  readonly code = 'VALUE_NOT_JSON';
  /** Where the offending value sits, e.g. `chain[0] > add args[1].when`. */
  readonly path: string;

  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}
