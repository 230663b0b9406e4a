import { CeleriacError } from './celeriac-error.js';

/** `run.result({ timeoutMs })` gave up waiting. The run itself goes on. */
export class ResultTimeoutError extends CeleriacError {
  readonly code = 'RESULT_TIMEOUT';
  readonly runId: string;
  readonly timeoutMs: number;

  constructor(runId: string, timeoutMs: number) {
    super(`run ${runId} did not finish within ${timeoutMs} ms (the run goes on)`);
    this.runId = runId;
    this.timeoutMs = timeoutMs;
  }
}
