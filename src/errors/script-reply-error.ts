import { CeleriacError } from './celeriac-error.js';

/**
 * A Lua script replied with something its declaration (src/store/scripts/<name>.ts) does not
 * allow: the script and the code that calls it disagree, a bug rather than a state of Redis.
 */
export class ScriptReplyError extends CeleriacError {
  readonly code = 'SCRIPT_REPLY_INVALID';
  /** The script, e.g. `complete-nodes`. */
  readonly script: string;
  /** What was wrong with the reply. */
  readonly problem: string;

  constructor(script: string, problem: string) {
    super(`${script} replied with something it is not declared to return: ${problem}`);
    this.script = script;
    this.problem = problem;
  }
}
