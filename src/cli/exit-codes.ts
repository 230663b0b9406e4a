/**
 * Exit codes of the `celeriac` command (the failure ones follow BSD sysexits, so scripts can
 * tell a failed run from a mistake in the command or an unreachable Redis).
 */
export const EXIT = {
  ok: 0,
  /** watch, result: the run (or node) failed. */
  runFailed: 1,
  /** watch, result: the run (or node) was cancelled. */
  runCancelled: 2,
  /** result: the run or node has not finished yet (try again later, or pass --wait). */
  notFinished: 75,
  /** Bad arguments or options. */
  usage: 64,
  /** No such run or node (or the run expired). */
  notFound: 66,
  /** Redis could not be reached. */
  unavailable: 69,
  /** Anything else that went wrong (a bug, a Redis error). */
  software: 70,
  /** The worker module could not be loaded or exports no app. */
  config: 78,
} as const;

/** An error the CLI reports in one line, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
