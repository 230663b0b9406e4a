import type { PlannedNode, SubmissionPlan } from '../../graph/plan.js';
import type { ShardKeys } from '../keys.js';
import { defineScript } from '../script.js';
import { arrayReply, badReply, integerReply } from '../script-reply.js';
import { type StartedReply, startedReply } from './started-reply.js';
import { runSubject } from './run-input.js';

/** What a submit commits (submission.ts's SubmitRequest adds how to wait for replicas). */
export interface RunToCommit {
  readonly runId: string;
  readonly name: string;
  readonly plan: SubmissionPlan;
  readonly retention: { readonly succeededMs: number; readonly failedMs: number; readonly cancelledMs: number };
  /** The submit span's trace context JSON, "" when tracing is off. */
  readonly storedTrace: string;
  /** The event stream's length for this run's events (MAXLEN ~), 0 when the app has events off. */
  readonly eventsMaxLen: number;
  /** The submitting process's waiter channel (run-events.ts), where the finish is published too; absent: none. */
  readonly notify?: string;
}

/** A worker of the submitting process that starts ready roots itself (submit-run's eager start). */
export interface EagerStart {
  /** Free slots it holds for them. */
  readonly slots: number;
  /** Its registry id. */
  readonly workerId: string;
  readonly leaseMs: number;
  /** The queues it consumes. */
  readonly queues: readonly string[];
}

export interface SubmitRunInput extends RunToCommit {
  readonly shard: ShardKeys;
  /** The hash the specs were staged in (submission.ts), or would have been when they are inline. */
  readonly stagingKey: string;
  /** The specs go in the call's arguments (a small run) instead of the staging hash. */
  readonly inline?: boolean;
  readonly eager?: EagerStart | null;
}

export interface SubmitRunReply {
  /** ms, Redis's clock. */
  readonly createdAt: number;
  /** Ready roots are left to enqueue-roots. */
  readonly rootsLeft: boolean;
  /** The roots started for the eager worker, at most its slots. */
  readonly started: readonly StartedReply[];
}

/** ARGV of submit-run (see its header): the run, its root classes, and the nodes' dependency counts. */
function commitArgs({ runId, name, plan, retention, storedTrace, eventsMaxLen, notify, inline, eager }: SubmitRunInput): (string | number)[] {
  const args: (string | number)[] = [
    runId,
    name,
    plan.outputJson,
    retention.succeededMs,
    retention.failedMs,
    retention.cancelledMs,
    JSON.stringify(plan.queues),
    storedTrace,
    eventsMaxLen,
    notify ?? '',
    eager?.slots ?? 0,
    eager?.workerId ?? '',
    eager?.leaseMs ?? 0,
    plan.rootQueues.length,
  ];
  for (const queue of plan.rootQueues) args.push(queue, eager?.queues.includes(queue) ? 1 : 0);
  // Roots by class (queue, priority, countdown, eta); then each node's dependency count, or -class
  // for a root, run-length encoded in id order.
  const classes = new Map<string, number>();
  const classArgs: (string | number)[] = [];
  const runs: number[] = [];
  let value = 0;
  let count = 0;
  // The last root's class: a group's members share one, so most roots need no key of their own.
  let last: PlannedNode | null = null;
  let lastClass = 0;
  plan.nodes.forEach((node, index) => {
    if (node.id !== String(index)) throw new Error(`submit: node ${node.id} is out of order (expected ${index})`);
    let next: number = node.waiting;
    if (next === 0) {
      if (!last || node.queue !== last.queue || node.priority !== last.priority || node.countdownMs !== last.countdownMs || node.etaMs !== last.etaMs) {
        const key = `${node.queue}|${node.priority}|${node.countdownMs}|${node.etaMs}`;
        let rootClass = classes.get(key);
        if (rootClass === undefined) {
          rootClass = classes.size + 1;
          classes.set(key, rootClass);
          classArgs.push(node.queue, node.priority, node.countdownMs, node.etaMs);
        }
        last = node;
        lastClass = rootClass;
      }
      next = -lastClass;
    }
    if (count > 0 && next === value) {
      count++;
    } else {
      if (count > 0) runs.push(value, count);
      value = next;
      count = 1;
    }
  });
  if (count > 0) runs.push(value, count);
  args.push(classes.size, ...classArgs, plan.nodes.length, runs.length);
  for (const item of runs) args.push(item);
  if (inline) for (const node of plan.nodes) args.push(node.specJson);
  return args;
}

/**
 * submit-run.lua: commit a staged run. Its error replies: RUN_EXISTS (RunExistsError) and
 * STAGING_INCOMPLETE (SubmitInterruptedError).
 */
export const submitRun = defineScript<SubmitRunInput, SubmitRunReply>({
  name: 'submit-run',
  keys: (input) => [...input.shard.runScriptKeys(input.runId), input.shard.sequence, input.stagingKey, ...input.shard.queueScriptKeys(input.plan.rootQueues)],
  args: commitArgs,
  decode: (reply) => {
    const values = arrayReply('submit-run', reply);
    if (values.length < 2 || values.length % 3 !== 2) badReply('submit-run', `${values.length} values, not 2 and three per started root`);
    const started = startedReply('submit-run', values.slice(2));
    return {
      createdAt: integerReply('submit-run', values[0], 'the creation time'),
      rootsLeft: integerReply('submit-run', values[1], 'rootsLeft') === 1,
      started,
    };
  },
  subject: runSubject,
});
