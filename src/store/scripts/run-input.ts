import type { ShardKeys } from '../keys.js';
import type { ScriptErrorSubject } from '../redis-errors.js';

/** The input of a script over one run and the queues its meta names. */
export interface RunScriptInput {
  readonly shard: ShardKeys;
  readonly runId: string;
  /** The run's queues (its meta's `queues`), in the order their keys are passed. */
  readonly queues: readonly string[];
}

/** The input of a script about one leased attempt of a node (extend-lease, fail-node). */
export interface LeasedAttemptInput {
  readonly shard: ShardKeys;
  readonly runId: string;
  readonly nodeId: string;
  readonly attempt: number;
  /** The queue the attempt's message was leased from. */
  readonly queue: string;
  /** The leased message. */
  readonly message: string;
}

/** KEYS: the run's keys, then (withSequence) the shard's sequence, then the queues' keys. */
export function runScriptKeys({ shard, runId, queues }: RunScriptInput, withSequence: boolean): string[] {
  return withSequence
    ? [...shard.runScriptKeys(runId), shard.sequence, ...shard.queueScriptKeys(queues)]
    : [...shard.runScriptKeys(runId), ...shard.queueScriptKeys(queues)];
}

/** Its error replies (RUN_MISSING...) name the run. */
export function runSubject({ runId }: { readonly runId: string }): ScriptErrorSubject {
  return { runId };
}
