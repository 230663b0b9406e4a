import type { ShardKeys } from '../keys.js';
import { type NodeMessage, parseMessage } from '../messages.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, integerReply, oneOf, stringsReply } from '../script-reply.js';

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

export interface CompleteNodesInput {
  readonly shard: ShardKeys;
  readonly runId: string;
  readonly completions: readonly CompleteNodesCompletion[];
  /** Every queue the call may touch (the completions', their next nodes', the fill's), once each. */
  readonly queueNames: readonly string[];
  /** The worker's free slots; null: start nothing. */
  readonly fill: FillSlots | null;
  /** Most due or expired messages a claim moves per queue. */
  readonly upkeepLimit: number;
  readonly workerId: string;
}

export interface CompleteNodesReply {
  /** When this call made the run succeed: the finish message its channel got (store/finish-message.ts); else null. */
  readonly finish: string | null;
  /** One per completion, in order. */
  readonly outcomes: readonly CompletionKind[];
  /** Nodes started for the worker: the message, its queue, the started node's JSON (includes/start.lua). */
  readonly started: readonly { readonly message: NodeMessage; readonly queue: string; readonly json: string }[];
  /** Messages of other runs now leased to the worker. */
  readonly claimed: readonly { readonly queue: string; readonly message: string }[];
}

const NAME = 'complete-nodes';

/** complete-nodes' KEYS, ARGV and reply, which complete-step (a chain's hop) shares. */
export const completionCall = {
  keys: ({ shard, runId, queueNames }: CompleteNodesInput): readonly string[] => [
    ...shard.runScriptKeys(runId),
    shard.sequence,
    shard.deadLetters.list,
    shard.deadLetters.counts,
    ...shard.queueScriptKeys(queueNames),
  ],
  args: ({ shard, runId, completions, queueNames, fill, upkeepLimit, workerId }: CompleteNodesInput): (string | number)[] => {
    const args: (string | number)[] = [
      runId,
      shard.runChannel(runId),
      fill?.count ?? 0,
      fill?.leaseMs ?? 0,
      fill?.maxLeaseExpiries ?? 0,
      fill?.leaseExpiredErrorJson ?? '',
      fill?.claimFromQueues ? upkeepLimit : -1,
      queueNames.length,
      workerId,
    ];
    for (const name of queueNames) args.push(name, fill ? fill.queues.indexOf(name) + 1 : 0);
    for (const { node, resultJson, span } of completions) {
      args.push(node.message.nodeId, node.attempt, resultJson, node.message.raw, node.queue, span);
    }
    return args;
  },
  decode: (name: string, reply: unknown, { completions }: CompleteNodesInput): CompleteNodesReply => {
    const [finishReply, outcomesReply, startedFlat, claimedFlat, ...rest] = arrayReply(name, reply);
    if (rest.length > 0) badReply(name, `${4 + rest.length} values, not 4`);
    const outcomes = arrayReply(name, outcomesReply, 'outcomes').map((outcome) => oneOf(name, outcome, COMPLETION_KINDS, 'an outcome'));
    if (outcomes.length !== completions.length) badReply(name, `${outcomes.length} outcomes for ${completions.length} completions`);
    const startedValues = stringsReply(name, startedFlat, 'started');
    if (startedValues.length % 3 !== 0) badReply(name, `${startedValues.length} started values, not three per node`);
    const started: { message: NodeMessage; queue: string; json: string }[] = [];
    for (let index = 0; index < startedValues.length; index += 3) {
      const message = parseMessage(startedValues[index]!) ?? badReply(name, `a started message is malformed: ${startedValues[index]}`);
      started.push({ message, queue: startedValues[index + 1]!, json: startedValues[index + 2]! });
    }
    const claimedValues = stringsReply(name, claimedFlat, 'claimed');
    if (claimedValues.length % 2 !== 0) badReply(name, `${claimedValues.length} claimed values, not two per message`);
    const claimed: { queue: string; message: string }[] = [];
    for (let index = 0; index < claimedValues.length; index += 2) claimed.push({ queue: claimedValues[index]!, message: claimedValues[index + 1]! });
    const finish = typeof finishReply === 'string' ? finishReply : null;
    if (finish === null && integerReply(name, finishReply, 'finish') !== 0) badReply(name, 'finish is neither a message nor 0');
    return { finish, outcomes, started, claimed };
  },
};

/** complete-nodes.lua: report successful attempts of one run, and fill the worker's free slots. */
export const completeNodes = defineScript<CompleteNodesInput, CompleteNodesReply>({
  name: NAME,
  keys: completionCall.keys,
  args: completionCall.args,
  decode: (reply, input) => completionCall.decode(NAME, reply, input),
});
