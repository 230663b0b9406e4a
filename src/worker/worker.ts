import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type AppConfig, connect } from '../config.js';
import type { TaskDefinition } from '../canvas/task.js';
import { queueNameSchema } from '../canvas/signature.js';
import { ConfigError, LeaseExpiredError, LeaseLostError, RunCancelledError } from '../errors/index.js';
import type { KeySpace } from '../store/keys.js';
import { parseMessage } from '../store/messages.js';
import { type ClaimedMessage, NodeStore, type StartedNode } from '../store/node-store.js';
import { RunStore } from '../store/run-store.js';
import { describeZodError } from '../util/zod.js';
import { context as otelContext } from '@opentelemetry/api';
import { attemptTraceparent, endAttemptSpan, recordRunSpan, startAttemptSpan } from '../tracing/spans.js';
import { runAttempt } from './attempt.js';
import { serializeError } from './errors-json.js';
import { NO_RETRY, retryDelay } from './retry.js';

export interface WorkerOptions {
  /** Attempts run at once by this worker. Default 16. */
  readonly concurrency?: number;
  /** Queues to consume, most preferred first. Default ['default']. */
  readonly queues?: readonly string[];
  /** Called with errors the worker survives (Redis outages, bugs). Default: console.error. */
  readonly onError?: (error: unknown) => void;
}

const workerOptionsSchema = z
  .object({
    concurrency: z.number().int().min(1).max(10_000).default(16),
    queues: z.array(queueNameSchema).min(1).default(['default']),
    onError: z.function().optional(),
  })
  .strict();

/** What a worker needs from its app. */
export interface WorkerContext {
  readonly config: AppConfig;
  readonly keys: KeySpace;
  readonly lookup: (task: string) => TaskDefinition | undefined;
}

/** Longest a worker with nothing to do blocks before looking again (a safety net, not polling). */
const MAX_IDLE_SECONDS = 5;
/** How often a worker drops the index entries of expired runs. */
const PRUNE_INTERVAL_MS = 60_000;
const LEASE_EXPIRED_CODE = new LeaseExpiredError('').code;
/** After an unexpected error in the fetch loop. */
const ERROR_BACKOFF_MS = 1000;

interface Execution {
  readonly node: StartedNode;
  readonly controller: AbortController;
}

/**
 * Runs task attempts from its queues, `concurrency` at a time. The fetch loop claims as many
 * messages as it has free slots (one claim script), starts them (one start-node script each,
 * auto-pipelined into one round trip), and when there is nothing to do blocks on the queues' signal lists until a
 * producer pushes a token or the next delayed message or lease deadline comes due. A completing
 * attempt may be handed its next node directly by complete-node (no claim round trip). A
 * heartbeat extends the leases of running attempts every third of the visibility timeout.
 */
export class Worker {
  private readonly concurrency: number;
  private readonly queues: readonly string[];
  private readonly consumedQueues: ReadonlySet<string>;
  private readonly onError: (error: unknown) => void;
  private commands: Redis | null = null;
  private blocking: Redis | null = null;
  private events: Redis | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private nodes: NodeStore | null = null;
  private runs: RunStore | null = null;
  private active = 0;
  private readonly executions = new Set<Execution>();
  private slotFreed: (() => void) | null = null;
  private allIdle: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private closing: Promise<void> | null = null;

  constructor(
    private readonly context: WorkerContext,
    options: WorkerOptions = {},
  ) {
    const parsed = workerOptionsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError('app.worker()', describeZodError(parsed.error, 'options'));
    this.concurrency = parsed.data.concurrency;
    this.queues = parsed.data.queues;
    this.consumedQueues = new Set(this.queues);
    this.onError =
      options.onError ?? ((error: unknown) => console.error('celeriac worker:', error instanceof Error ? error.message : error));
  }

  private get leaseMs(): number {
    return this.context.config.visibilityTimeoutMs;
  }

  /** Connects and starts consuming; resolves once the fetch loop runs. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ConfigError('worker.start()', `the worker is ${this.state}`);
    this.state = 'running';
    this.commands = connect(this.context.config, true, 'worker', { enableAutoPipelining: true });
    this.blocking = connect(this.context.config, true, 'worker-blocking');
    // Cancellations reach running attempts at once through pub/sub (and through the next
    // heartbeat, should a message be lost while this connection is down).
    this.events = connect(this.context.config, true, 'worker-events');
    // A notice may arrive late (after the run was resumed): abort only what the heartbeat check
    // confirms is cancelled.
    this.events.on('message', (_channel: string, runId: string) => void this.extendLeases(runId));
    await Promise.all([this.commands.ping(), this.blocking.ping(), this.events.subscribe(this.context.keys.cancellationsChannel)]);
    this.nodes = new NodeStore(this.commands, this.context.keys);
    const runs = new RunStore(this.commands, this.context.keys);
    this.runs = runs;
    this.pruneTimer = setInterval(() => void runs.prune().catch((error: unknown) => this.onError(error)), PRUNE_INTERVAL_MS);
    this.heartbeat = setInterval(() => void this.extendLeases(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.loopDone = this.fetchLoop();
  }

  /** Graceful: stop fetching, let every attempt in flight finish and report, then disconnect. */
  close(): Promise<void> {
    if (this.state === 'new') this.state = 'closed';
    this.closing ??= this.state === 'closed' ? Promise.resolve() : this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.state = 'closing';
    this.slotFreed?.();
    // Interrupt a blocking wait: the loop sees `closing` and stops.
    this.blocking?.disconnect();
    await this.loopDone;
    if (this.active > 0) await new Promise<void>((resolve) => (this.allIdle = resolve));
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.events?.quit().catch(() => this.events?.disconnect());
    await this.commands?.quit().catch(() => this.commands?.disconnect());
    this.state = 'closed';
  }

  private async fetchLoop(): Promise<void> {
    const nodes = this.nodes;
    if (!nodes) return;
    while (this.state === 'running') {
      try {
        const free = this.concurrency - this.active;
        if (free <= 0) {
          await new Promise<void>((resolve) => (this.slotFreed = resolve));
          this.slotFreed = null;
          continue;
        }
        const { wakeInMs, claimed } = await nodes.claim(this.queues, free, this.leaseMs);
        if (claimed.length > 0) {
          for (const message of claimed) this.launch(message);
          continue;
        }
        await this.idle(wakeInMs);
      } catch (error) {
        if (this.state !== 'running') break;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS));
      }
    }
  }

  /** Block until a producer signals one of our queues, or `wakeInMs` passes. */
  private async idle(wakeInMs: number): Promise<void> {
    const seconds = wakeInMs < 0 ? MAX_IDLE_SECONDS : Math.min(wakeInMs / 1000, MAX_IDLE_SECONDS);
    if (seconds < 0.001 || !this.blocking) return;
    const signals = this.queues.map((queue) => this.context.keys.queue(queue).signal);
    await this.blocking.blpop(...signals, Number(seconds.toFixed(3)));
  }

  private launch(claimed: ClaimedMessage): void {
    this.active++;
    this.process(claimed)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.active--;
        this.slotFreed?.();
        if (this.active === 0) this.allIdle?.();
      });
  }

  private async process(claimed: ClaimedMessage): Promise<void> {
    const nodes = this.nodes;
    const message = parseMessage(claimed.message);
    if (!nodes) return;
    if (!message) {
      // Not one of ours: drop it so it is not redelivered forever.
      await nodes.dropMessage(claimed.queue, claimed.message);
      this.onError(new Error(`dropped a malformed message on queue ${claimed.queue}: ${claimed.message}`));
      return;
    }
    const outcome = await nodes.start(message, claimed.queue, this.context.config.maxLeaseExpiries, this.leaseExpiredJson(message.nodeId));
    if ('skipped' in outcome) return;
    let node: StartedNode | null = outcome.started;
    while (node) node = await this.execute(nodes, node);
  }

  /**
   * The error start-node records if this delivery exceeds maxLeaseExpiries. Sent with every start
   * but rarely used, so it is a plain string: constructing an Error (and its stack) per node
   * showed up in profiles.
   */
  private leaseExpiredJson(nodeId: string): string {
    return JSON.stringify({
      name: 'LeaseExpiredError',
      code: LEASE_EXPIRED_CODE,
      message: `node ${nodeId} lost its worker more than ${this.context.config.maxLeaseExpiries} times (maxLeaseExpiries)`,
    });
  }

  /** Run one attempt and report it; returns the node complete-node handed over next, if any. */
  private async execute(nodes: NodeStore, node: StartedNode): Promise<StartedNode | null> {
    const execution: Execution = { node, controller: new AbortController() };
    this.executions.add(execution);
    const tracing = this.context.config.tracing;
    const attemptSpan = startAttemptSpan(node, tracing, () => node.spec.args);
    try {
      const definition = this.context.lookup(node.spec.task);
      const outcome = await otelContext.with(attemptSpan.context, () =>
        runAttempt(node, definition, { maxPayloadBytes: this.context.config.maxPayloadBytes, signal: execution.controller.signal }),
      );
      if (outcome.ok) {
        const takeNext = this.state === 'running' ? { consumedQueues: this.consumedQueues, leaseMs: this.leaseMs } : null;
        const completed = await nodes.complete(node, outcome.resultJson, takeNext, attemptTraceparent(attemptSpan));
        endAttemptSpan(attemptSpan, outcome, tracing);
        if (completed.kind !== 'completed') return null; // stale or discarded: nothing follows
        if (completed.runFinished && node.context.trace) await this.recordRunSpan(node.message.runId);
        return completed.next;
      }
      // Lease expiries (a lost worker) do not use up retries, and a resume gives a fresh budget.
      const failedAttempts = node.attempt - node.attemptOffset - node.leaseExpiries;
      const delay = retryDelay(definition?.retry ?? NO_RETRY, failedAttempts, outcome.error);
      endAttemptSpan(attemptSpan, { ok: false, error: outcome.error, retryDelayMs: delay }, tracing);
      // Another worker owns the node now: this attempt has nothing to report.
      if (outcome.error instanceof LeaseLostError) return null;
      const failed = await nodes.fail(node, serializeError(outcome.error), delay);
      if (failed === 'run-failed' && node.context.trace) await this.recordRunSpan(node.message.runId);
      return null;
    } finally {
      this.executions.delete(execution);
    }
  }

  /** This worker finished a traced run: record the span covering the whole run. */
  private async recordRunSpan(runId: string): Promise<void> {
    const meta = await this.runs?.meta(runId);
    if (meta) recordRunSpan(meta, this.context.config.tracing);
  }

  /** The run was cancelled: abort its attempts running here (their results will be discarded). */
  private abortRun(runId: string): void {
    for (const { node, controller } of this.executions) {
      if (node.message.runId === runId && !controller.signal.aborted) controller.abort(new RunCancelledError(runId));
    }
  }

  /** Heartbeat of every attempt in flight (or only those of one run), acting on what it finds. */
  private async extendLeases(onlyRun?: string): Promise<void> {
    const nodes = this.nodes;
    if (!nodes) return;
    const executions = [...this.executions].filter((execution) => onlyRun === undefined || execution.node.message.runId === onlyRun);
    await Promise.all(
      executions.map(async ({ node, controller }) => {
        try {
          const lease = await nodes.extendLease(node, this.leaseMs);
          if (lease === 'cancelled') this.abortRun(node.message.runId);
          else if (lease === 'lost' && !controller.signal.aborted) {
            controller.abort(new LeaseLostError(node.message.runId, node.message.nodeId));
          }
        } catch (error) {
          this.onError(error);
        }
      }),
    );
  }
}
