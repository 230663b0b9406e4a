import type { Redis } from 'ioredis';
import type { NodeSpec } from '../graph/spec.js';
import { nodeSpecSchema } from './records.js';
import type { KeySpace } from './keys.js';
import { type NodeMessage, parseMessage } from './messages.js';
import { scripts } from './script.js';

/** A node attempt a worker now holds under a lease. */
export interface StartedNode {
  readonly message: NodeMessage;
  readonly queue: string;
  readonly attempt: number;
  readonly leaseExpiries: number;
  /** Attempts made before the run was last resumed: the retry budget counts from here. */
  readonly attemptOffset: number;
  readonly spec: NodeSpec;
  /** Times (Redis clock) and tracing context that came with the start. */
  readonly context: StartContext;
  /** Upstream results (JSON) read by the node's input template; null where none is stored. */
  readonly inputs: ReadonlyMap<string, string | null>;
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
  readonly queue: string;
  readonly message: string;
}

export type StartOutcome = { readonly started: StartedNode } | { readonly skipped: string };

export type CompleteOutcome =
  | { readonly kind: 'stale' }
  /** The run was cancelled: the result was dropped and the node cancelled. */
  | { readonly kind: 'discarded' }
  /** runFinished: this completion made the run succeed. */
  | { readonly kind: 'completed'; readonly next: StartedNode | null; readonly runFinished: boolean };

/** run-failed: this failure failed the run. */
export type FailOutcome = 'stale' | 'retrying' | 'cancelled' | 'failed' | 'run-failed';

function parseStarted(message: NodeMessage, queue: string, reply: readonly unknown[], offset: number): StartedNode {
  const spec = nodeSpecSchema.parse(JSON.parse(String(reply[offset + 4])));
  const context = JSON.parse(String(reply[offset + 5])) as StartContext;
  const inputs = new Map<string, string | null>();
  for (let index = offset + 6; index < reply.length; index += 2) {
    const value = reply[index + 1];
    inputs.set(String(reply[index]), typeof value === 'string' ? value : null);
  }
  return {
    message,
    queue,
    attempt: Number(reply[offset + 1]),
    leaseExpiries: Number(reply[offset + 2]),
    attemptOffset: Number(reply[offset + 3]),
    spec,
    context,
    inputs,
  };
}

/**
 * The node-level state transitions a worker drives, one Lua script each. This class only maps
 * arguments to KEYS/ARGV and parses replies; the rules live in the scripts.
 */
export class NodeStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async claim(queues: readonly string[], wanted: number, leaseMs: number, upkeepLimit = 100): Promise<{
    wakeInMs: number;
    claimed: ClaimedMessage[];
  }> {
    const keys = [this.keys.sequence];
    for (const queue of queues) {
      const q = this.keys.queue(queue);
      keys.push(q.ready, q.delayed, q.leases, q.signal);
    }
    const reply = (await scripts.claim.run(this.redis, keys, [wanted, leaseMs, upkeepLimit])) as unknown[];
    const claimed: ClaimedMessage[] = [];
    for (let index = 1; index < reply.length; index += 2) {
      const queue = queues[Number(reply[index]) - 1];
      if (queue !== undefined) claimed.push({ queue, message: String(reply[index + 1]) });
    }
    return { wakeInMs: Number(reply[0]), claimed };
  }

  async start(
    message: NodeMessage,
    queue: string,
    maxLeaseExpiries: number,
    leaseExpiredErrorJson: string,
  ): Promise<StartOutcome> {
    const reply = (await scripts.startNode.run(
      this.redis,
      [...this.keys.runScriptKeys(message.runId), this.keys.queue(queue).leases],
      [
        message.runId,
        message.nodeId,
        message.raw,
        maxLeaseExpiries,
        this.keys.runChannel(message.runId),
        leaseExpiredErrorJson,
        message.delivery,
      ],
    )) as unknown[];
    if (reply[0] !== 'started') return { skipped: String(reply[1]) };
    return { started: parseStarted(message, queue, reply, 0) };
  }

  async complete(
    node: StartedNode,
    resultJson: string,
    takeNext: { readonly consumedQueues: ReadonlySet<string>; readonly leaseMs: number } | null,
    spanTraceparent = '',
  ): Promise<CompleteOutcome> {
    const { runId, nodeId } = node.message;
    const keys = [...this.keys.runScriptKeys(runId), this.keys.queue(node.queue).leases, this.keys.sequence];
    const args: (string | number)[] = [
      runId,
      nodeId,
      node.attempt,
      resultJson,
      node.message.raw,
      this.keys.runChannel(runId),
      takeNext ? '1' : '0',
      takeNext?.leaseMs ?? 0,
      spanTraceparent,
    ];
    for (const queue of node.spec.nextQueues ?? []) {
      const q = this.keys.queue(queue);
      keys.push(q.ready, q.delayed, q.leases, q.signal);
      args.push(queue, takeNext?.consumedQueues.has(queue) ? '1' : '0');
    }
    const reply = (await scripts.completeNode.run(this.redis, keys, args)) as unknown[];
    if (reply[0] === 'stale') return { kind: 'stale' };
    if (reply[0] === 'discarded') return { kind: 'discarded' };
    const runFinished = Number(reply[1]) === 1;
    if (reply.length === 2) return { kind: 'completed', next: null, runFinished };
    const message = parseMessage(String(reply[2]));
    if (!message) throw new Error(`complete-node returned a malformed message: ${String(reply[2])}`);
    return { kind: 'completed', next: parseStarted(message, String(reply[3]), reply, 4), runFinished };
  }

  async fail(node: StartedNode, errorJson: string, retryDelayMs: number | null): Promise<FailOutcome> {
    const { runId, nodeId } = node.message;
    const q = this.keys.queue(node.queue);
    const reply = await scripts.failNode.run(
      this.redis,
      [...this.keys.runScriptKeys(runId), q.leases, q.delayed, q.signal],
      [runId, nodeId, node.attempt, errorJson, node.message.raw, retryDelayMs ?? -1, this.keys.runChannel(runId)],
    );
    return reply as FailOutcome;
  }

  /** Remove a message that names no node (not written by celeriac) from its queue's leases. */
  async dropMessage(queue: string, raw: string): Promise<void> {
    await this.redis.zrem(this.keys.queue(queue).leases, raw);
  }

  /** Heartbeat: whether this attempt still holds its lease, or its run was cancelled. */
  async extendLease(node: StartedNode, leaseMs: number): Promise<'held' | 'lost' | 'cancelled'> {
    const run = this.keys.run(node.message.runId);
    const reply = await scripts.extendLease.run(
      this.redis,
      [run.run, run.nodes, this.keys.queue(node.queue).leases],
      [node.message.nodeId, node.attempt, node.message.raw, leaseMs],
    );
    return reply === 1 ? 'held' : reply === 2 ? 'cancelled' : 'lost';
  }
}
