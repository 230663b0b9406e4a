import type { RedisClient } from './redis-client.js';
import { DEFAULT_QUEUE, type NodeSpec } from '../graph/spec.js';
import { specFromStored } from './spec-format.js';
import { templateNodes } from '../graph/template.js';
import type { KeySpace, ShardKeys } from './keys.js';
import type { NodeMessage } from './messages.js';
import { sendFlat } from './command.js';
import type { ReplicationWait } from './script.js';
import { RunDamagedError } from '../errors/index.js';
import { claim } from './scripts/claim.js';
import { claimRun } from './scripts/claim-run.js';
import type { StartedReply } from './scripts/started-reply.js';
import { type CompleteNodesReply, type CompletionKind, type FillSlots, completeNodes } from './scripts/complete-nodes.js';
import { type CompleteStepInput, completeStep } from './scripts/complete-step.js';
import { deadLetter } from './scripts/dead-letter.js';
import { extendLease } from './scripts/extend-lease.js';
import { type FailOutcome, failNode } from './scripts/fail-node.js';
import { recordProgress } from './scripts/record-progress.js';
import { releaseMessages } from './scripts/release-messages.js';
import { startNodes } from './scripts/start-nodes.js';
import type { ExpandOutcome } from './scripts/expand-node.js';
import type { ElementPlan } from './expansion-format.js';
import { expandMap, replacementDepth } from './expansions.js';

export type { CompletionKind, FailOutcome, FillSlots };

/** A node attempt a worker now holds under a lease. */
export interface StartedNode {
  readonly message: NodeMessage;
  readonly queue: string;
  readonly attempt: number;
  readonly leaseExpiries: number;
  /** Attempts made before the run was last resumed: the retry budget counts from here. */
  readonly attemptOffset: number;
  readonly spec: NodeSpec;
  /** Times (RedisClient clock) and tracing context that came with the start. */
  readonly context: StartContext;
  /** Upstream results read by the node's input template, parsed, by node id. */
  readonly inputs: ReadonlyMap<string, unknown>;
  /** Upstream nodes the template reads whose result is not stored (the attempt fails on them). */
  readonly missingInputs: readonly string[];
}

export interface StartContext {
  readonly queuedAt: number;
  readonly startedAt: number;
  /** How many times the run had been resumed or rerun. */
  readonly reopened: number;
  /** The run's stored trace context, when tracing was on at submit. */
  readonly trace?: string;
  /** Span contexts of the attempts that produced this node's inputs. */
  readonly links?: readonly string[];
}

export interface ClaimedMessage {
  /** The shard whose queue it came from. */
  readonly shard: number;
  readonly queue: string;
  readonly message: string;
}

export type StartOutcome = { readonly started: StartedNode } | { readonly skipped: string };

/** The inputs of a node that reads no upstream result (most of a wide group): shared, never written. */
const NO_INPUTS: ReadonlyMap<string, unknown> = new Map();
const NO_MISSING: readonly string[] = [];

/** A started node as the scripts return it: one JSON array (includes/start.lua). */
type StartedJson = [
  attempt: number,
  leaseExpiries: number,
  attemptOffset: number,
  spec: unknown,
  context: StartContext,
  /** false: the template is too large for the script to read; the worker reads the inputs (withDeferredInputs). */
  inputs: unknown[] | null | false,
  missing: string[],
];

/**
 * complete-step's input when a completion call is worth sending there first: one untraced first
 * attempt with one slot to fill, of a node whose spec marks its one dependant a hop (known at
 * submit: SpecFields.hop), on a worker that consumes the default queue, where that dependant is
 * delivered. complete-step checks the stored states and answers nil otherwise (a rerun held the
 * dependant, the run is traced or finishing): rarely, so the guess costs little. null: not a hop.
 */
function hopOf(shard: ShardKeys, runId: string, completions: readonly Completion[], fill: FillSlots | null, workerId: string): CompleteStepInput | null {
  if (completions.length !== 1 || fill?.count !== 1 || !fill.queues.includes(DEFAULT_QUEUE)) return null;
  const { node, span, resultJson } = completions[0]!;
  const nextId = node.spec.next?.[0];
  if (span !== '' || node.spec.hop !== true || node.attempt !== 1 || nextId === undefined) return null;
  return { shard, runId, nodeId: node.message.nodeId, nextId, resultJson, message: node.message.raw, queue: node.queue, leaseMs: fill.leaseMs, workerId };
}

/** Every queue a completion call may touch (the completions', their next nodes', the fill's), once each. */
function queuesOf(completions: readonly Completion[], fill: FillSlots | null): string[] {
  const names = new Set<string>();
  for (const { node } of completions) {
    names.add(node.queue);
    for (const queue of node.spec.nextQueues ?? []) names.add(queue);
  }
  for (const queue of fill?.queues ?? []) names.add(queue);
  return [...names];
}

/** Results per HMGET when a worker reads a wide join's inputs itself. */
const INPUT_READ_BATCH = 5000;

/**
 * A started node from its JSON (includes/start.lua), read with one JSON.parse. The spec was
 * validated at submit and is written only by submit-run, so it is trusted here (no schema parse
 * on the hot path).
 */
function parseStarted(message: NodeMessage, queue: string, json: string): StartedNode & { readonly deferredInputs: boolean } {
  try {
    return readStarted(message, queue, json);
  } catch (error) {
    // The reply carries the node's stored spec as it is: one that does not read is the run's damage.
    const reason = `node ${message.nodeId} cannot be started: ${error instanceof Error ? error.message : String(error)}`;
    throw new RunDamagedError(message.runId, reason, { cause: error });
  }
}

function readStarted(message: NodeMessage, queue: string, json: string): StartedNode & { readonly deferredInputs: boolean } {
  const [attempt, leaseExpiries, attemptOffset, storedSpec, context, values, missing] = JSON.parse(json) as StartedJson;
  const spec = specFromStored(storedSpec);
  let inputs = NO_INPUTS;
  if (spec.input && values) {
    // One array in the template's first-seen order (includes/start.lua).
    const ids = templateNodes(spec.input);
    if (values.length !== ids.length) {
      throw new Error(`start reply for node ${message.nodeId}: ${values.length} input values for ${ids.length} inputs`);
    }
    const map = new Map<string, unknown>();
    for (let index = 0; index < ids.length; index++) map.set(ids[index]!, values[index]);
    inputs = map;
  }
  return {
    message,
    queue,
    attempt,
    leaseExpiries,
    attemptOffset,
    spec,
    context,
    inputs,
    missingInputs: missing.length > 0 ? missing : NO_MISSING,
    deferredInputs: values === false,
  };
}

/**
 * The inputs of started nodes whose template the start script left to the worker (a join of a
 * very wide group): read in pipelined HMGETs of INPUT_READ_BATCH results, so that no single read
 * holds Redis long. Read after the start, not atomically with it: a result can only change under
 * this attempt by a rerun that resets an upstream node, and that rerun resets this node too, so
 * whatever the attempt reports is fenced off (stale).
 */
async function withDeferredInputs(
  redis: RedisClient,
  keys: KeySpace,
  started: readonly (StartedNode & { readonly deferredInputs: boolean })[],
): Promise<readonly StartedNode[]> {
  // The common case, on a wide group's hot path: nothing to read, nothing copied.
  if (!started.some((node) => node.deferredInputs)) return started;
  return Promise.all(
    started.map(async ({ deferredInputs, ...node }): Promise<StartedNode> => {
      if (!deferredInputs || !node.spec.input) return node;
      const ids = templateNodes(node.spec.input);
      const key = keys.run(node.message.runId).results;
      const reads: Promise<unknown>[] = [];
      for (let first = 0; first < ids.length; first += INPUT_READ_BATCH) {
        reads.push(sendFlat(redis, 'hmget', [key, ...ids.slice(first, first + INPUT_READ_BATCH)]));
      }
      const values = ((await Promise.all(reads)) as (string | null)[][]).flat();
      const inputs = new Map<string, unknown>();
      const missing: string[] = [];
      ids.forEach((id, index) => {
        const value = values[index];
        if (typeof value === 'string') inputs.set(id, JSON.parse(value));
        else {
          inputs.set(id, null);
          missing.push(id);
        }
      });
      return { ...node, inputs, missingInputs: missing.length > 0 ? missing : NO_MISSING };
    }),
  );
}

/** One successful attempt to report. */
export interface Completion {
  readonly node: StartedNode;
  readonly resultJson: string;
  /** The attempt's span context (W3C traceparent); "" when tracing is off. */
  readonly span: string;
}

/** What a complete-nodes call over several runs came to (NodeStore.completeRuns). */
export interface MultiCompleteOutcome {
  /** Per run, in order: its finish message when the call made it succeed (else null), and one outcome per completion. */
  readonly runs: readonly { readonly finish: string | null; readonly outcomes: readonly CompletionKind[] }[];
  /** Nodes started for the worker (take-next, then claimed messages of these runs), at most `fill.count`. */
  readonly started: readonly StartedNode[];
  /** Messages of other runs, leased to the worker, for start-nodes. */
  readonly claimed: readonly ClaimedMessage[];
}

export interface BatchCompleteOutcome {
  /** When this call made the run succeed: the finish message its channel got; else null. */
  readonly finish: string | null;
  /** One per completion, in order. */
  readonly outcomes: readonly CompletionKind[];
  /** Nodes started for the worker (take-next, then claimed messages of this run), at most `fill.count`. */
  readonly started: readonly StartedNode[];
  /** Messages of other runs now leased to the worker, to start with startMany. */
  readonly claimed: readonly ClaimedMessage[];
}

/** Most due or expired messages a claim moves per queue (its upkeep). */
const UPKEEP_LIMIT = 100;

/**
 * The node-level state transitions a worker drives, one Lua script each (declared in
 * scripts/<name>.ts). This class turns the scripts' replies into started nodes; the rules live
 * in the scripts.
 */
export class NodeStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** The worker's registry id, named in the node.started events of what it starts ("" for none). */
    private readonly workerId = '',
    /**
     * Wait for replicas after starts, completions and failures (AppOptions.replication). Claims
     * do not wait: a claim only precedes a start on the same primary, whose WAIT covers it (a
     * primary replicates in order), and a claim lost alone puts its message back before any
     * handler ran.
     */
    private readonly replication: ReplicationWait | null = null,
  ) {}

  /** Claim from the queues of one shard. */
  async claim(shard: number, queues: readonly string[], wanted: number, leaseMs: number, upkeepLimit = UPKEEP_LIMIT): Promise<{
    wakeInMs: number;
    claimed: ClaimedMessage[];
  }> {
    const reply = await claim.run(this.redis, { shard: this.shard(shard), queues, wanted, leaseMs, upkeepLimit });
    return { wakeInMs: reply.wakeInMs, claimed: reply.claimed.map(({ queue, message }) => ({ shard, queue, message })) };
  }

  /**
   * A claim in the shard of `runId`, the run a signal named, that also starts that run's claimed
   * messages (claim-run): the messages of other runs come back leased, to start with startMany.
   */
  async claimRun(
    runId: string,
    queues: readonly string[],
    wanted: number,
    leaseMs: number,
    maxLeaseExpiries: number,
    leaseExpiredErrorJson: string,
  ): Promise<{ wakeInMs: number; claimed: ClaimedMessage[]; started: readonly StartedNode[] }> {
    const shard = this.keys.forRun(runId);
    const input = { shard, runId, queues, wanted, leaseMs, upkeepLimit: UPKEEP_LIMIT, maxLeaseExpiries, leaseExpiredErrorJson, workerId: this.workerId };
    const reply = await claimRun.run(this.redis, input, this.replication);
    const started = await this.startedNodes(reply.started);
    return { wakeInMs: reply.wakeInMs, claimed: reply.claimed.map(({ queue, message }) => ({ shard: shard.index, queue, message })), started };
  }

  /**
   * Start claimed messages of one run from one queue (start-nodes). `leaseExpiredErrorJson` is
   * the error recorded for a node that lost its worker too often; "%s" in it stands for the node id.
   */
  async startMany(
    runId: string,
    queue: string,
    messages: readonly NodeMessage[],
    maxLeaseExpiries: number,
    leaseExpiredErrorJson: string,
  ): Promise<StartOutcome[]> {
    const replies = await startNodes.run(
      this.redis,
      { shard: this.keys.forRun(runId), runId, queue, messages, maxLeaseExpiries, leaseExpiredErrorJson, workerId: this.workerId },
      this.replication,
    );
    const parsed = replies.map((reply, index) => (typeof reply === 'string' ? parseStarted(messages[index]!, queue, reply) : null));
    const started = await withDeferredInputs(this.redis, this.keys, parsed.filter((node) => node !== null));
    let next = 0;
    return replies.map((reply) => (typeof reply === 'string' ? { started: started[next++]! } : reply));
  }

  /** Nodes a script started for this worker (submit-run's eager start, claim-run, complete-nodes), ready to run. */
  startedNodes(started: readonly StartedReply[]): Promise<readonly StartedNode[]> {
    return withDeferredInputs(
      this.redis,
      this.keys,
      started.map(({ message, queue, json }) => parseStarted(message, queue, json)),
    );
  }

  /**
   * Hand claimed messages of one queue back to ready, unstarted (release-messages): after a
   * start-nodes that Redis refused for lack of memory. Returns how many went back.
   */
  async release(queue: string, messages: readonly NodeMessage[]): Promise<number> {
    const first = messages[0];
    if (!first) return 0;
    // Messages of one run (start-nodes takes one run's), so of one shard.
    const shard = this.keys.forRun(first.runId);
    return releaseMessages.run(this.redis, { shard, queue, messages: messages.map((message) => message.raw) });
  }

  /**
   * Report successful attempts of one run in one call (complete-nodes), filling free slots. A call
   * that looks like a chain's hop goes to complete-step first (see hopOf), and to
   * complete-nodes only when complete-step answers that it is not one.
   */
  async completeMany(runId: string, completions: readonly Completion[], fill: FillSlots | null, extraSlots = 0): Promise<BatchCompleteOutcome> {
    const shard = this.keys.forRun(runId);
    const hop = hopOf(shard, runId, completions, fill, this.workerId);
    const stepReply = hop ? await completeStep.run(this.redis, hop, this.replication) : null;
    const outcome = stepReply ? await this.outcomeOf(shard, stepReply) : await this.sendCompletions([{ runId, completions }], fill, extraSlots);
    const [run] = outcome.runs;
    return { finish: run?.finish ?? null, outcomes: run?.outcomes ?? [], started: outcome.started, claimed: outcome.claimed };
  }

  /** The number of the shard that holds a run (calls for several runs take runs of one shard). */
  shardOf(runId: string): number {
    return this.keys.shardOf(runId);
  }

  /**
   * Report successful attempts of several runs of one shard in one complete-nodes call (each run
   * with at least one), filling free slots: what a worker's batch of completions comes to.
   */
  completeRuns(runs: readonly { readonly runId: string; readonly completions: readonly Completion[] }[], fill: FillSlots | null, extraSlots = 0): Promise<MultiCompleteOutcome> {
    return this.sendCompletions(runs, fill, extraSlots);
  }

  private async sendCompletions(
    runs: readonly { readonly runId: string; readonly completions: readonly Completion[] }[],
    fill: FillSlots | null,
    extraSlots = 0,
  ): Promise<MultiCompleteOutcome> {
    const first = runs[0];
    if (!first) return { runs: [], started: [], claimed: [] };
    const shard = this.keys.forRun(first.runId);
    const queueNames = queuesOf(
      runs.flatMap((run) => run.completions),
      fill,
    );
    const reply = await completeNodes.run(this.redis, { shard, runs, queueNames, fill, extraSlots, upkeepLimit: UPKEEP_LIMIT, workerId: this.workerId }, this.replication);
    return this.outcomeOf(shard, reply);
  }

  private async outcomeOf(shard: ShardKeys, reply: CompleteNodesReply): Promise<MultiCompleteOutcome> {
    const started = await this.startedNodes(reply.started);
    const claimed = reply.claimed.map(({ queue, message }): ClaimedMessage => ({ shard: shard.index, queue, message }));
    return { runs: reply.runs, started, claimed };
  }

  /** A map node's items and element nodes added to its run (expand-node.lua). */
  expand(node: StartedNode, plan: ElementPlan, items: readonly string[], span: string): Promise<ExpandOutcome> {
    const { runId, nodeId, raw } = node.message;
    const nextQueues = node.spec.next ? node.spec.nextQueues : undefined;
    return expandMap(this.redis, this.keys, this.replication, { runId, nodeId, attempt: node.attempt, queue: node.queue, message: raw, nextQueues, guards: node.spec.guards, errback: node.spec.errback === true }, plan, items, span);
  }

  /** How many replacements made the node's ancestors (replacementDepth). */
  replacementDepth(node: StartedNode, limit: number): Promise<number> {
    return replacementDepth(this.redis, this.keys, node.message.runId, node.spec.parent, limit);
  }

  async fail(node: StartedNode, errorJson: string, retryDelayMs: number | null): Promise<FailOutcome> {
    const { runId, nodeId, raw } = node.message;
    return failNode.run(
      this.redis,
      { shard: this.keys.forRun(runId), runId, nodeId, attempt: node.attempt, queue: node.queue, message: raw, errorJson, retryDelayMs },
      this.replication,
    );
  }

  /**
   * A claimed message that is not celeriac's format leaves its queue's leases and becomes a dead
   * letter (dead-letter.lua). False when it had already left (nothing recorded twice).
   */
  async deadLetter(claimed: ClaimedMessage, reason: string): Promise<boolean> {
    const { queue, message } = claimed;
    return deadLetter.run(this.redis, { shard: this.shard(claimed.shard), queue, message, reason });
  }

  /** A running attempt's progress (record-progress.lua): false when the attempt was fenced off. */
  private shard(index: number): ShardKeys {
    const shard = this.keys.shards[index];
    if (!shard) throw new Error(`no shard ${index} (the app has ${this.keys.shards.length})`);
    return shard;
  }

  async recordProgress(node: StartedNode, progressJson: string): Promise<boolean> {
    const { runId, nodeId } = node.message;
    return recordProgress.run(this.redis, { shard: this.keys.forRun(runId), runId, nodeId, attempt: node.attempt, progressJson });
  }

  /** Heartbeat: whether this attempt still holds its lease, or its run was cancelled. */
  async extendLease(node: StartedNode, leaseMs: number): Promise<'held' | 'lost' | 'cancelled'> {
    const { runId, nodeId, raw } = node.message;
    return extendLease.run(this.redis, { shard: this.keys.forRun(runId), runId, nodeId, attempt: node.attempt, queue: node.queue, message: raw, leaseMs });
  }
}
