import type { App } from '../app.js';
import { WorkflowCancelledError, WorkflowFailedError } from '../errors/index.js';
import { NodeNotFoundError } from '../errors/index.js';
import { CliError, EXIT } from './exit-codes.js';

export interface ResultCommandOptions {
  /** Wait for the run to finish instead of exiting with EXIT.notFinished. */
  readonly wait?: boolean;
}

/**
 * `celeriac result <run> [node]`: the run's value (or one node's result) as JSON on stdout.
 * A failed or cancelled run, or a node without a result, is said on stderr with an exit code a
 * script can tell apart: 1 failed, 2 cancelled, 75 not finished yet.
 */
export async function printResult(
  app: App,
  runId: string,
  nodeId: string | undefined,
  options: ResultCommandOptions,
  print: (text: string) => void,
): Promise<number> {
  const run = app.getRun(runId);
  if (nodeId !== undefined) {
    if (options.wait) await run.result().catch(() => undefined);
    const inspection = await run.inspect({ results: true });
    const node = inspection.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) throw new NodeNotFoundError(runId, nodeId);
    if ('result' in node) {
      print(JSON.stringify(node.result, null, 2));
      return EXIT.ok;
    }
    if (node.status === 'failed') {
      const error = node.error ? `: ${node.error.name}: ${node.error.message}` : '';
      throw new CliError(`node ${nodeId} (${node.task}) of run ${runId} failed${error}`, EXIT.runFailed);
    }
    if (node.status === 'cancelled') throw new CliError(`node ${nodeId} (${node.task}) of run ${runId} was cancelled`, EXIT.runCancelled);
    throw new CliError(`node ${nodeId} (${node.task}) of run ${runId} is ${node.status}: no result yet`, EXIT.notFinished);
  }
  if (!options.wait) {
    const { status } = await run.progress();
    if (status === 'running') throw new CliError(`run ${runId} is still running: no result yet (pass --wait to wait for it)`, EXIT.notFinished);
  }
  try {
    print(JSON.stringify(await run.result(), null, 2));
    return EXIT.ok;
  } catch (error) {
    if (error instanceof WorkflowFailedError) throw new CliError(error.message, EXIT.runFailed);
    if (error instanceof WorkflowCancelledError) throw new CliError(error.message, EXIT.runCancelled);
    throw error;
  }
}
