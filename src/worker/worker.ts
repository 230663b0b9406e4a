import type { AppConfig } from '../config.js';
import type { TaskDefinition } from '../canvas/task.js';
import { ConfigError, LeaseExpiredError, WorkerClosedError } from '../errors/index.js';
import type { KeySpace } from '../store/keys.js';
import { type NodeMessage, parseMessage } from '../store/messages.js';
import { type ClaimedMessage, NodeStore, type StartedNode } from '../store/node-store.js';
import { RunStore } from '../store/run-store.js';
import { checkShardCount } from '../store/shard-count.js';
import type { EagerStart } from '../store/scripts/submit-run.js';
import type { StartedReply } from '../store/scripts/started-reply.js';
import { AttemptRunner } from './attempt-runner.js';
import { CompletionBatcher } from './completion-batcher.js';
import type { WorkerEvent } from './events.js';
import { Housekeeping } from './housekeeping.js';
import { type Execution, LeaseHeartbeat } from './lease-heartbeat.js';
import { StallWatch } from './stall-watch.js';
import { WorkerPresence } from './worker-presence.js';
import { ThroughputTally } from './throughput-tally.js';
import { SchedulerLoop } from '../schedule/scheduler-loop.js';
import type { Schedules } from '../schedule/schedules.js';
import { ulid } from 'ulid';
import { StartHandBack } from './start-hand-back.js';
import { WorkerConnections } from './worker-connections.js';
import { ShardClaims } from './shard-claims.js';
import { parseWorkerOptions, type WorkerOptions } from './worker-options.js';

/** What a worker needs from its app. */
export interface WorkerContext {
  readonly config: AppConfig;
  readonly keys: KeySpace;
  readonly lookup: (task: string) => TaskDefinition | undefined;
  /** A completion here made a run succeed: its finish message, for the waiters of this process. */
  readonly onRunFinished?: (runId: string, finish: string) => void;
  /** The app's schedules, which the worker fires unless its options say `scheduler: false`. */
  readonly schedules?: Schedules;
}

const LEASE_EXPIRED_CODE = new LeaseExpiredError('').code;
/** After an unexpected error in the fetch loop, or a start Redis refused for lack of memory. */
const ERROR_BACKOFF_MS = 1000;
/** Most completions of one run reported in one complete-nodes call. */
const MAX_COMPLETION_BATCH = 100;

/**
 * Runs task attempts from its queues, `concurrency` at a time. The fetch loop claims as many
 * messages as it has free slots (one claim script), starts them (one start-nodes script per run
 * among them), and when there is nothing to do blocks on the queues' signal lists until a
 * producer pushes a token or the next delayed message or lease deadline comes due. Successes
 * that finish in the same turn are reported together (one complete-nodes call per shard for
 * every run among them, CompletionBatcher), which may hand the freed slots their next nodes
 * directly (no claim round trip). A signal that names a run is claimed with claim-run, which
 * starts that run's messages in the same call. LeaseHeartbeat extends the leases of running attempts every third of the visibility
 * timeout; Housekeeping prunes expired runs and runs the repair sweep; StallWatch reports a Redis
 * that stops answering without dropping the connection.
 */
export class Worker {
  private readonly concurrency: number;
  private readonly queues: readonly string[];
  private readonly onError: (error: unknown) => void;
  private readonly closeTimeoutMs: number;
  /** The fetch loop claims nothing before this time (Date.now()): RedisClient refused to start what it claimed. */
  private fetchPausedUntil = 0;
  private connections: WorkerConnections | null = null;
  private housekeeping: Housekeeping | null = null;
  private schedulerLoop: SchedulerLoop | null = null;
  private readonly repairIntervalMs: number;
  private readonly runsScheduler: boolean;
  private readonly presenceIntervalMs: number;
  private readonly onEvent: ((event: WorkerEvent) => void) | undefined;
  private nodes: NodeStore | null = null;
  private completions: CompletionBatcher | null = null;
  private startHandBack: StartHandBack | null = null;
  /**
   * The error start-nodes records when a delivery exceeds maxLeaseExpiries ("%s" stands for the
   * node id). Sent with every start but rarely used, so it is built once, as a plain string.
   */
  private readonly leaseExpiredJson: string;
  private attempts: AttemptRunner | null = null;
  private active = 0;
  private claims: ShardClaims | null = null;
  private readonly executions = new Set<Execution>();
  /** taskContext().progress() of the attempts running here (false once the worker has stopped). */
  private readonly recordProgress = (node: StartedNode, progressJson: string): Promise<boolean> =>
    this.nodes ? this.nodes.recordProgress(node, progressJson) : Promise.resolve(false);
  private slotFreed: (() => void) | null = null;
  private allIdle: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  private heartbeat: LeaseHeartbeat | null = null;
  private stallWatch: StallWatch | null = null;
  private presence: WorkerPresence | null = null;
  /** Attempts finished per queue since the last registry beat (`app.throughput()`). */
  private readonly tally = new ThroughputTally();
  /** This worker's id in the worker registry (`app.workers()`): a ULID made with the worker. */
  readonly id = ulid();
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private closing: Promise<void> | null = null;

  /** @internal Made by `app.worker`. */
  constructor(
    private readonly context: WorkerContext,
    options: WorkerOptions = {},
  ) {
    const parsed = parseWorkerOptions(options);
    this.concurrency = parsed.concurrency;
    this.queues = parsed.queues;
    this.leaseExpiredJson = JSON.stringify({
      name: 'LeaseExpiredError',
      code: LEASE_EXPIRED_CODE,
      message: `node %s lost its worker more than ${context.config.maxLeaseExpiries} times (maxLeaseExpiries)`,
    });
    const onError =
      options.onError ?? ((error: unknown) => console.error('celeriac worker:', error instanceof Error ? error.message : error));
    // Once closed (after closeTimeoutMs, say), attempts still running fail to report on the
    // closed connections: that is expected, not news.
    this.onError = (error) => {
      if (this.state !== 'closed') onError(error);
    };
    this.closeTimeoutMs = parsed.closeTimeoutMs;
    this.repairIntervalMs = parsed.repairIntervalMs;
    this.runsScheduler = parsed.scheduler;
    this.presenceIntervalMs = parsed.presenceIntervalMs;
    this.onEvent = options.onEvent;
  }

  private get leaseMs(): number {
    return this.context.config.visibilityTimeoutMs;
  }

  /**
   * Connects and starts consuming; resolves once the fetch loop runs. While Redis does not
   * answer it keeps trying, reporting each failed attempt to onError; after the app's
   * connectTimeoutMs it rejects with RedisUnavailableError (and the worker is closed).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new ConfigError('worker.start()', `the worker is ${this.state}`);
    this.state = 'running';
    const connections = new WorkerConnections({
      config: this.context.config,
      cancellationsChannel: this.context.keys.cancellationsChannel,
      signals: this.context.keys.shards.flatMap((shard) => this.queues.map((queue) => shard.queue(queue).signal)),
      onError: this.onError,
      // A notice may arrive late (after the run was resumed): abort only what the heartbeat
      // check confirms is cancelled.
      onCancellation: (runId) => void this.heartbeat?.extend(runId),
    });
    this.connections = connections;
    try {
      await connections.ready();
    } catch (error) {
      this.state = 'closed';
      this.closing = Promise.resolve();
      connections.disconnect();
      throw error;
    }
    try {
      await checkShardCount(connections.commands, this.context.keys);
    } catch (error) {
      this.state = 'closed';
      this.closing = Promise.resolve();
      connections.disconnect();
      throw error;
    }
    // close() was called while start() waited: it has disconnected everything already.
    if (this.state === 'running') this.startConsuming(connections);
  }

  /** After the connections are ready: the stores, housekeeping, heartbeat and fetch loop. */
  private startConsuming(connections: WorkerConnections): void {
    const { commands } = connections;
    const { replication } = this.context.config;
    // A shortfall goes to onError and the worker carries on: the transition was applied.
    const wait = replication && { replicas: replication.waitReplicas, timeoutMs: replication.timeoutMs, onShortfall: this.onError };
    const nodes = new NodeStore(commands, this.context.keys, this.id, wait);
    this.nodes = nodes;
    this.claims = new ShardClaims(nodes, connections, {
      shardCount: this.context.keys.shards.length,
      shardOf: (runId) => this.context.keys.shardOf(runId),
      queues: this.queues,
      leaseMs: this.leaseMs,
      maxLeaseExpiries: this.context.config.maxLeaseExpiries,
      leaseExpiredErrorJson: this.leaseExpiredJson,
    });
    this.startHandBack = new StartHandBack(nodes, {
      onError: this.onError,
      release: (slots) => this.release(slots),
      pauseFetching: () => {
        this.fetchPausedUntil = Date.now() + ERROR_BACKOFF_MS;
      },
    });
    this.completions = new CompletionBatcher(nodes, {
      // Half the slots per call: two halves of the slots take turns with Redis (CompletionBatcher).
      maxBatch: Math.min(MAX_COMPLETION_BATCH, Math.ceil(this.concurrency / 2)),
      slots: {
        queues: this.queues,
        leaseMs: this.leaseMs,
        maxLeaseExpiries: this.context.config.maxLeaseExpiries,
        leaseExpiredErrorJson: this.leaseExpiredJson,
        claimFromQueues: true,
      },
      onClaimed: (claimed) => this.startClaimed(claimed),
      holdSlots: (wanted) => this.holdSlots(wanted),
      runHeld: (started, held) => this.runHeld(started, held),
      onRunFinished: (runId, finish) => {
        try {
          this.context.onRunFinished?.(runId, finish);
        } catch (error) {
          this.onError(error);
        }
      },
    });
    const runs = new RunStore(commands, this.context.keys);
    this.attempts = new AttemptRunner({
      config: this.context.config,
      lookup: this.context.lookup,
      nodes,
      runs,
      completions: this.completions,
      tally: this.tally,
      executions: this.executions,
      running: () => this.state === 'running',
      recordProgress: this.recordProgress,
      onEvent: this.onEvent,
      onError: this.onError,
    });
    this.housekeeping = new Housekeeping(commands, this.context.keys, runs, {
      repairIntervalMs: this.repairIntervalMs,
      onRepaired: (report) => {
        if (this.onEvent) this.emit({ type: 'repaired', report });
        else console.warn(`celeriac worker: the repair sweep re-enqueued ${report.repaired.length} orphaned node(s) in ${report.runs} running run(s)`);
      },
      onError: this.onError,
    });
    this.housekeeping.start();
    if (this.runsScheduler && this.context.schedules) {
      this.schedulerLoop = new SchedulerLoop(this.context.schedules, this.onError);
      this.schedulerLoop.start();
    }
    // With replication the heartbeats do not queue behind WAITs (WorkerConnections.leases).
    const leaseNodes = connections.leases ? new NodeStore(connections.leases, this.context.keys, this.id, null) : nodes;
    this.heartbeat = new LeaseHeartbeat({ nodes: leaseNodes, executions: this.executions, leaseMs: this.leaseMs, onError: this.onError });
    this.heartbeat.start();
    this.stallWatch = new StallWatch({ connection: commands, boundMs: this.context.config.connectTimeoutMs, onError: this.onError });
    this.stallWatch.start();
    this.presence = new WorkerPresence({ connection: commands, keys: this.context.keys, id: this.id, queues: this.queues, concurrency: this.concurrency, executions: this.executions, intervalMs: this.presenceIntervalMs, tally: this.tally, onError: this.onError });
    this.presence.start();
    this.loopDone = this.fetchLoop();
  }

  /**
   * Graceful: stop fetching, let every attempt in flight finish and report, then disconnect. After
   * closeTimeoutMs it stops waiting: the attempts still running see their AbortSignal fire
   * (WorkerClosedError), their results go unreported, and the worker disconnects.
   */
  close(): Promise<void> {
    if (this.state === 'new') this.state = 'closed';
    this.closing ??= this.state === 'closed' ? Promise.resolve() : this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.state = 'closing';
    // No fire starts from here on; a pass in progress is waited for in drain().
    void this.schedulerLoop?.stop();
    this.slotFreed?.();
    // Interrupt a blocking wait: the loop sees `closing` and stops.
    this.connections?.interruptBlocking();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.closeTimeoutMs)));
    const drained = await Promise.race([this.drain().then(() => true), deadline.then(() => false)]);
    clearTimeout(timer);
    this.heartbeat?.stop();
    this.stallWatch?.stop();
    this.presence?.stop();
    this.state = 'closed';
    if (!drained) {
      // Handlers that honour their signal stop now; the others are left to run out unheard.
      const reason = new WorkerClosedError(this.closeTimeoutMs);
      for (const { abort } of this.executions) abort?.abort(reason);
    }
    // Whatever is still pending (attempts past the grace period, a Redis that is gone) fails
    // now; leases make that safe.
    this.connections?.disconnect();
  }

  /** Graceful part of close(): the fetch loop ends, attempts in flight finish and report, connections quit. */
  private async drain(): Promise<void> {
    await this.loopDone;
    if (this.active > 0) await new Promise<void>((resolve) => (this.allIdle = resolve));
    this.heartbeat?.stop();
    this.stallWatch?.stop();
    await this.housekeeping?.stop();
    await this.schedulerLoop?.stop();
    await this.presence?.remove();
    await this.connections?.quit();
  }

  private async fetchLoop(): Promise<void> {
    const claims = this.claims;
    if (!claims) return;
    // The run the last signal named: the next claim starts its messages too (claim-run).
    let named: string | null = null;
    while (this.state === 'running') {
      try {
        const pausedFor = this.fetchPausedUntil - Date.now();
        if (pausedFor > 0) {
          await new Promise((resolve) => setTimeout(resolve, pausedFor));
          continue;
        }
        const free = this.concurrency - this.active;
        if (free <= 0) {
          await new Promise<void>((resolve) => (this.slotFreed = resolve));
          this.slotFreed = null;
          continue;
        }
        const { wakeInMs, claimed, started } = await claims.claim(free, named);
        named = null;
        if (started.length > 0) {
          this.active += started.length;
          for (const node of started) this.runSlot(node);
        }
        if (claimed.length > 0) this.startClaimed(claimed);
        // A full claim may have left more behind: claim again at once. A short one emptied every
        // queue it asked: wait for a producer's signal instead of a second claim that would find
        // nothing (and would sit on the commands connection ahead of the nodes' completions).
        if (claimed.length + started.length >= free) continue;
        named = await claims.idle(wakeInMs);
      } catch (error) {
        if (this.state !== 'running') break;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, ERROR_BACKOFF_MS));
      }
    }
  }

  /**
   * @internal For app.submit's eager start (submit-run starts ready roots for a worker of the
   * submitting process): hold a free slot for each ready root (`rootQueues`: each one's queue)
   * that this worker consumes, as many as it has free. Returns what submit-run needs, or null
   * when nothing is held. The submit then calls runEager with what it started (nothing when it
   * failed).
   */
  holdEager(rootQueues: readonly string[]): EagerStart | null {
    if (!this.nodes) return null;
    let wanted = 0;
    for (const queue of rootQueues) if (this.queues.includes(queue)) wanted++;
    const slots = this.holdSlots(wanted);
    if (slots === 0) return null;
    return { slots, workerId: this.id, leaseMs: this.leaseMs, queues: this.queues };
  }

  /** Run nodes in `held` slots held for them (holdSlots); the slots left over are released. */
  private runHeld(nodes: readonly StartedNode[], held: number): void {
    for (const node of nodes) this.runSlot(node);
    if (held > nodes.length) this.release(held - nodes.length);
  }

  /** Up to `wanted` free slots, held (counted active) until released or run; none unless running. */
  private holdSlots(wanted: number): number {
    if (this.state !== 'running') return 0;
    const slots = Math.max(0, Math.min(wanted, this.concurrency - this.active));
    this.active += slots;
    return slots;
  }

  /** @internal Run the roots submit-run started in the slots holdEager held; the slots left are released. */
  runEager(held: EagerStart, started: readonly StartedReply[]): void {
    const nodes = this.nodes;
    const unused = held.slots - started.length;
    if (unused > 0) this.release(unused);
    if (started.length === 0) return;
    if (!nodes) {
      // Closed meanwhile: the leases bring the nodes back to another worker.
      this.release(started.length);
      return;
    }
    nodes.startedNodes(started).then(
      (parsed) => this.runHeld(parsed, started.length),
      (error: unknown) => {
        this.onError(error);
        this.release(started.length);
      },
    );
  }

  /**
   * Start what one claim returned: its messages grouped by run and queue, one start-nodes call
   * per group, then each started node runs in its slot.
   * Every claimed message holds a slot from here until its node (and whatever take-next hands
   * that slot) is done, or it turns out to start nothing.
   */
  private startClaimed(claimed: readonly ClaimedMessage[]): void {
    const nodes = this.nodes;
    const startHandBack = this.startHandBack;
    if (!nodes || !startHandBack) return;
    this.active += claimed.length;
    const groups = new Map<string, { runId: string; queue: string; messages: NodeMessage[] }>();
    for (const item of claimed) {
      const { queue } = item;
      const message = parseMessage(item.message);
      if (!message) {
        // Not one of ours: a dead letter, so that it is neither redelivered forever nor lost.
        void nodes
          .deadLetter(item, 'malformed')
          .catch((error: unknown) => this.onError(error))
          .finally(() => this.release(1));
        continue;
      }
      const key = `${message.runId}|${queue}`;
      let group = groups.get(key);
      if (!group) {
        group = { runId: message.runId, queue, messages: [] };
        groups.set(key, group);
      }
      group.messages.push(message);
    }
    for (const { runId, queue, messages } of groups.values()) {
      nodes.startMany(runId, queue, messages, this.context.config.maxLeaseExpiries, this.leaseExpiredJson).then(
        (outcomes) => {
          for (const outcome of outcomes) {
            if ('started' in outcome) this.runSlot(outcome.started);
            else this.release(1);
          }
        },
        (error: unknown) => startHandBack.startFailed(error, queue, messages),
      );
    }
  }

  /** One slot: run the node, then whatever take-next hands this slot, until nothing follows. */
  private runSlot(first: StartedNode): void {
    const execution: Execution = { node: null, abort: null };
    this.executions.add(execution);
    const run = async (): Promise<void> => {
      let node: StartedNode | null = first;
      const attempts = this.attempts;
      while (node && attempts) node = await attempts.execute(node, execution);
    };
    run()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.executions.delete(execution);
        this.release(1);
      });
  }

  private release(slots: number): void {
    this.active -= slots;
    this.slotFreed?.();
    if (this.active === 0) this.allIdle?.();
  }

  private emit(event: WorkerEvent): void {
    try {
      this.onEvent?.(event);
    } catch (error) {
      this.onError(error);
    }
  }
}
