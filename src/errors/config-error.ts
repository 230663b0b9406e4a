import { CeleriacError } from './celeriac-error.js';

/** Options given to createApp, app.task, app.worker or .set() are invalid. */
export class ConfigError extends CeleriacError {
  readonly code = 'CONFIG_INVALID';
  readonly where: string;

  constructor(where: string, problem: string, options?: { cause?: unknown }) {
    super(`${where}: ${problem}`, options);
    this.where = where;
  }
}
