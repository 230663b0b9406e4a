import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, integerReply, oneOf, stringsReply } from '../script-reply.js';
import { type StartedReply, startedReply } from './started-reply.js';

export type CompletionKind = 'completed' | 'stale' | 'discarded';
const COMPLETION_KINDS: readonly CompletionKind[] = ['completed', 'stale', 'discarded'];

/** The worker's free slots, offered to complete-nodes: take-next first, then claims. */
export interface FillSlots {
  /** How many nodes the worker can start now. */
  readonly count: number;
  /** The queues the worker consumes, most preferred first. */
  readonly queues: readonly string[];
  readonly leaseMs: number;
  readonly maxLeaseExpiries: number;
  /** Recorded for a node that lost its worker too often; "%s" stands for the node id. */
  readonly leaseExpiredErrorJson: string;
  /** false: take-next only, claim nothing from the queues. */
  readonly claimFromQueues: boolean;
}

/** One successful attempt, as complete-nodes needs it. */
export interface CompleteNodesCompletion {
  readonly node: { readonly message: { readonly nodeId: string; readonly raw: string }; readonly attempt: number; readonly queue: string };
  readonly resultJson: string;
  /** The attempt's span context (W3C traceparent); "" when tracing is off. */
  readonly span: string;
}

/** One run's completions in a complete-nodes call. */
export interface CompleteNodesRun {
  readonly runId: string;
  readonly completions: readonly CompleteNodesCompletion[];
}

export interface CompleteNodesInput {
  readonly shard: ShardKeys;
  /** Runs of that shard, each with its completions (at least one). */
  readonly runs: readonly CompleteNodesRun[];
  /** Every queue the call may touch (the completions', their next nodes', the fill's), once each. */
  readonly queueNames: readonly string[];
  /** The worker's free slots; null: start nothing. */
  readonly fill: FillSlots | null;
  /**
   * Slots the worker holds besides the freed ones, for dependants made ready here beyond
   * `fill.count` (a step followed by a group); never filled from the queues. Absent: 0.
   */
  readonly extraSlots?: number;
  /** Most due or expired messages a claim moves per queue. */
  readonly upkeepLimit: number;
  readonly workerId: string;
}

/** What one run's completions came to. */
export interface CompleteNodesRunReply {
  /** When this call made the run succeed: the finish message its channel got (store/finish-message.ts); else null. */
  readonly finish: string | null;
  /** One per completion, in order. */
  readonly outcomes: readonly CompletionKind[];
}

export interface CompleteNodesReply {
  /** One per run, in order. */
  readonly runs: readonly CompleteNodesRunReply[];
  /** Nodes started for the worker: the message, its queue, the started node's JSON (includes/start.lua). */
  readonly started: readonly StartedReply[];
  /** Messages of other runs now leased to the worker. */
  readonly claimed: readonly { readonly queue: string; readonly message: string }[];
}

const NAME = 'complete-nodes';

function decodeRun(finishReply: unknown, outcomesReply: unknown, run: CompleteNodesRun): CompleteNodesRunReply {
  const outcomes = arrayReply(NAME, outcomesReply, 'outcomes').map((outcome) => oneOf(NAME, outcome, COMPLETION_KINDS, 'an outcome'));
  if (outcomes.length !== run.completions.length) badReply(NAME, `${outcomes.length} outcomes for ${run.completions.length} completions`);
  const finish = typeof finishReply === 'string' ? finishReply : null;
  if (finish === null && integerReply(NAME, finishReply, 'finish') !== 0) badReply(NAME, 'finish is neither a message nor 0');
  return { finish, outcomes };
}

/** complete-nodes.lua: report successful attempts of runs of one shard, and fill the worker's free slots. */
export const completeNodes = defineScript<CompleteNodesInput, CompleteNodesReply>({
  name: NAME,
  keys: ({ shard, runs, queueNames }) => {
    const keys = [shard.sequence, shard.deadLetters.list, shard.deadLetters.counts, ...shard.queueScriptKeys(queueNames)];
    for (const { runId } of runs) for (const key of shard.runScriptKeys(runId)) keys.push(key);
    return keys;
  },
  args: ({ shard, runs, queueNames, fill, extraSlots, upkeepLimit, workerId }) => {
    const args: (string | number)[] = [
      fill?.count ?? 0,
      fill?.leaseMs ?? 0,
      fill?.maxLeaseExpiries ?? 0,
      fill?.leaseExpiredErrorJson ?? '',
      fill?.claimFromQueues ? upkeepLimit : -1,
      queueNames.length,
      extraSlots ?? 0,
      workerId,
    ];
    for (const name of queueNames) args.push(name, fill ? fill.queues.indexOf(name) + 1 : 0);
    args.push(runs.length);
    for (const { runId, completions } of runs) {
      args.push(runId, shard.runChannel(runId), completions.length);
      for (const { node, resultJson, span } of completions) {
        args.push(node.message.nodeId, node.attempt, resultJson, node.message.raw, node.queue, span);
      }
    }
    return args;
  },
  decode: (reply, { runs }) => {
    const [runsReply, startedFlat, claimedFlat, ...rest] = arrayReply(NAME, reply);
    if (rest.length > 0) badReply(NAME, `${3 + rest.length} values, not 3`);
    const runValues = arrayReply(NAME, runsReply, 'runs');
    if (runValues.length !== runs.length * 2) badReply(NAME, `${runValues.length} run values for ${runs.length} runs, not two each`);
    const runReplies = runs.map((run, index) => decodeRun(runValues[index * 2], runValues[index * 2 + 1], run));
    const started = startedReply(NAME, startedFlat);
    const claimedValues = stringsReply(NAME, claimedFlat, 'claimed');
    if (claimedValues.length % 2 !== 0) badReply(NAME, `${claimedValues.length} claimed values, not two per message`);
    const claimed: { queue: string; message: string }[] = [];
    for (let index = 0; index < claimedValues.length; index += 2) claimed.push({ queue: claimedValues[index]!, message: claimedValues[index + 1]! });
    return { runs: runReplies, started, claimed };
  },
});
