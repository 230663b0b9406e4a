import type { RedisClient } from './redis-client.js';
import type { NodeSpec } from '../graph/spec.js';
import { specFromStored } from './spec-format.js';
import { templateNodes } from '../graph/template.js';
import type { KeySpace, ShardKeys } from './keys.js';
import { type NodeMessage, parseMessage } from './messages.js';
import { sendFlat } from './command.js';
import { type ReplicationWait, scripts } from './script.js';

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

/** run-failed: this failure failed the run. */
export type FailOutcome = 'stale' | 'retrying' | 'cancelled' | 'failed' | 'run-failed';

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

/** Results per HMGET when a worker reads a wide join's inputs itself. */
const INPUT_READ_BATCH = 5000;

/**
 * A started node from its JSON (includes/start.lua), read with one JSON.parse. The spec was
 * validated at submit and is written only by submit-run, so it is trusted here (no schema parse
 * on the hot path).
 */
function parseStarted(message: NodeMessage, queue: string, json: string): StartedNode & { readonly deferredInputs: boolean } {
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

export interface BatchCompleteOutcome {
  /** This call made the run succeed. */
  readonly runFinished: boolean;
  /** One per completion, in order. */
  readonly outcomes: readonly CompletionKind[];
  /** Nodes started for the worker (take-next, then claimed messages of this run), at most `fill.count`. */
  readonly started: readonly StartedNode[];
  /** Messages of other runs now leased to the worker, to start with startMany. */
  readonly claimed: readonly ClaimedMessage[];
}

export type CompletionKind = 'completed' | 'stale' | 'discarded';

/** Most due or expired messages a claim moves per queue (its upkeep). */
const UPKEEP_LIMIT = 100;

/**
 * The node-level state transitions a worker drives, one Lua script each. This class only maps
 * arguments to KEYS/ARGV and parses replies; the rules live in the scripts.
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
    const shardKeys = this.shard(shard);
    const keys = [shardKeys.sequence, ...shardKeys.queueScriptKeys(queues)];
    const reply = (await scripts.claim.run(this.redis, keys, [wanted, leaseMs, upkeepLimit])) as unknown[];
    const claimed: ClaimedMessage[] = [];
    for (let index = 1; index < reply.length; index += 2) {
      const queue = queues[Number(reply[index]) - 1];
      if (queue !== undefined) claimed.push({ shard, queue, message: String(reply[index + 1]) });
    }
    return { wakeInMs: Number(reply[0]), claimed };
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
    const args: (string | number)[] = [runId, maxLeaseExpiries, this.keys.runChannel(runId), leaseExpiredErrorJson, queue, this.workerId];
    for (const message of messages) args.push(message.nodeId, message.raw, message.delivery);
    const shard = this.keys.forRun(runId);
    const { deadLetters } = shard;
    const replies = (await scripts.startNodes.run(
      this.redis,
      [...shard.runScriptKeys(runId), shard.queue(queue).leases, deadLetters.list, deadLetters.counts],
      args,
      this.replication,
    )) as (string | [string, string])[];
    const parsed = replies.map((reply, index) => (typeof reply === 'string' ? parseStarted(messages[index]!, queue, reply) : null));
    const started = await withDeferredInputs(this.redis, this.keys, parsed.filter((node) => node !== null));
    let next = 0;
    return replies.map((reply, index) => (parsed[index] ? { started: started[next++]! } : { skipped: String(reply[1]) }));
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
    const q = shard.queue(queue);
    const reply = await scripts.releaseMessages.run(
      this.redis,
      [shard.sequence, q.ready, q.leases, q.signal],
      messages.map((message) => message.raw),
    );
    return Number(reply);
  }

  /** Report successful attempts of one run in one call (complete-nodes), filling free slots. */
  async completeMany(runId: string, completions: readonly Completion[], fill: FillSlots | null): Promise<BatchCompleteOutcome> {
    const queueNames: string[] = [];
    const seen = new Set<string>();
    const addQueue = (name: string): void => {
      if (!seen.has(name)) {
        seen.add(name);
        queueNames.push(name);
      }
    };
    for (const { node } of completions) {
      addQueue(node.queue);
      for (const queue of node.spec.nextQueues ?? []) addQueue(queue);
    }
    for (const queue of fill?.queues ?? []) addQueue(queue);
    const shard = this.keys.forRun(runId);
    const { deadLetters } = shard;
    const keys = [
      ...shard.runScriptKeys(runId),
      shard.sequence,
      deadLetters.list,
      deadLetters.counts,
      ...shard.queueScriptKeys(queueNames),
    ];
    const args: (string | number)[] = [
      runId,
      this.keys.runChannel(runId),
      fill?.count ?? 0,
      fill?.leaseMs ?? 0,
      fill?.maxLeaseExpiries ?? 0,
      fill?.leaseExpiredErrorJson ?? '',
      fill?.claimFromQueues ? UPKEEP_LIMIT : -1,
      queueNames.length,
      this.workerId,
    ];
    for (const name of queueNames) args.push(name, fill ? fill.queues.indexOf(name) + 1 : 0);
    for (const { node, resultJson, span } of completions) {
      args.push(node.message.nodeId, node.attempt, resultJson, node.message.raw, node.queue, span);
    }
    const [runFinished, outcomes, startedFlat, claimedFlat] = (await scripts.completeNodes.run(this.redis, keys, args, this.replication)) as [
      number,
      CompletionKind[],
      string[],
      string[],
    ];
    // Three values per started node: message, queue, and the node's JSON.
    const parsed: (StartedNode & { readonly deferredInputs: boolean })[] = [];
    for (let index = 0; index < startedFlat.length; index += 3) {
      const message = parseMessage(startedFlat[index]!);
      if (!message) throw new Error(`complete-nodes returned a malformed message: ${startedFlat[index]}`);
      parsed.push(parseStarted(message, startedFlat[index + 1]!, startedFlat[index + 2]!));
    }
    const started = await withDeferredInputs(this.redis, this.keys, parsed);
    const claimed: ClaimedMessage[] = [];
    for (let index = 0; index < claimedFlat.length; index += 2) {
      claimed.push({ shard: shard.index, queue: String(claimedFlat[index]), message: String(claimedFlat[index + 1]) });
    }
    return { runFinished: runFinished === 1, outcomes, started, claimed };
  }

  async fail(node: StartedNode, errorJson: string, retryDelayMs: number | null): Promise<FailOutcome> {
    const { runId, nodeId } = node.message;
    const shard = this.keys.forRun(runId);
    const q = shard.queue(node.queue);
    const reply = await scripts.failNode.run(
      this.redis,
      [...shard.runScriptKeys(runId), q.leases, q.delayed, q.signal],
      [runId, nodeId, node.attempt, errorJson, node.message.raw, retryDelayMs ?? -1, this.keys.runChannel(runId)],
      this.replication,
    );
    return reply as FailOutcome;
  }

  /**
   * A claimed message that is not celeriac's format leaves its queue's leases and becomes a dead
   * letter (dead-letter.lua). False when it had already left (nothing recorded twice).
   */
  async deadLetter(claimed: ClaimedMessage, reason: string): Promise<boolean> {
    const shard = this.shard(claimed.shard);
    const { deadLetters } = shard;
    const { queue, message } = claimed;
    const reply = await scripts.deadLetter.run(this.redis, [shard.queue(queue).leases, deadLetters.list, deadLetters.counts], [queue, message, reason]);
    return reply === 1;
  }

  /** A running attempt's progress (record-progress.lua): false when the attempt was fenced off. */
  private shard(index: number): ShardKeys {
    const shard = this.keys.shards[index];
    if (!shard) throw new Error(`no shard ${index} (the app has ${this.keys.shards.length})`);
    return shard;
  }

  async recordProgress(node: StartedNode, progressJson: string): Promise<boolean> {
    const { runId, nodeId } = node.message;
    const reply = await scripts.recordProgress.run(this.redis, this.keys.runScriptKeys(runId), [runId, nodeId, node.attempt, progressJson]);
    return reply === 1;
  }

  /** Heartbeat: whether this attempt still holds its lease, or its run was cancelled. */
  async extendLease(node: StartedNode, leaseMs: number): Promise<'held' | 'lost' | 'cancelled'> {
    const shard = this.keys.forRun(node.message.runId);
    const run = shard.run(node.message.runId);
    const reply = await scripts.extendLease.run(
      this.redis,
      [run.run, run.nodes, shard.queue(node.queue).leases],
      [node.message.nodeId, node.attempt, node.message.raw, leaseMs],
    );
    return reply === 1 ? 'held' : reply === 2 ? 'cancelled' : 'lost';
  }
}
