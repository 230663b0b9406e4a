import { CeleriacError } from './celeriac-error.js';

/**
 * A Lua script refused its arguments (ARGUMENTS_INVALID): it was called other than as its
 * declaration calls it, a bug rather than a state of Redis.
 */
export class ScriptArgumentsError extends CeleriacError {
  readonly code = 'SCRIPT_ARGUMENTS_INVALID';
  /** The script, e.g. `worker-heartbeat`. */
  readonly script: string;
  /** What the script said was wrong. */
  readonly problem: string;

  constructor(script: string, problem: string, options?: { cause?: unknown }) {
    super(`${script} refused its arguments: ${problem}`, options);
    this.script = script;
    this.problem = problem;
  }
}
