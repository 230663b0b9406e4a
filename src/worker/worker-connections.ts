import { isCluster, type RedisClient } from '../store/redis-client.js';
import { type AppConfig, connect } from '../config.js';
import { closeConnection, endpointOf, evictionPolicy, whenReady } from '../connection.js';
import { RedisEvictionPolicyError } from '../errors/index.js';

export interface WorkerConnectionsOptions {
  readonly config: AppConfig;
  /** The channel on which cancel-run announces cancelled runs. */
  readonly cancellationsChannel: string;
  /** The signal list of each queue the worker consumes, in every shard (also the channels that wake it on a cluster). */
  readonly signals: readonly string[];
  /** Told of each failed attempt to reach Redis, at start and during later outages, and of a policy that may evict keys. */
  readonly onError: (error: unknown) => void;
  /** A run was announced cancelled (perhaps late: the caller checks). */
  readonly onCancellation: (runId: string) => void;
}

/**
 * A worker's connections: `commands` (scripts), `blocking` (BLPOP on the signal lists), `events`
 * (subscribed to the cancellations channel), and with `replication` set, `leases` (the lease
 * heartbeats). All are persistent: once ready, an outage of any length is ridden out, their
 * commands waiting for the reconnect.
 */
export class WorkerConnections {
  readonly commands: RedisClient;
  /** null on a Redis Cluster, where the events connection's channels wake the worker instead. */
  readonly blocking: RedisClient | null;
  readonly events: RedisClient;
  /**
   * With `replication`, the heartbeats' own connection: a WAIT holds its connection until the
   * replicas answer or its timeout passes, and transitions queued behind one another on
   * `commands` would hold the heartbeats past their leases when no replica answers (after a
   * failover, until a new replica is attached). null without `replication`.
   */
  readonly leases: RedisClient | null;
  /** Set when a queue's signal channel spoke since the last takeSignal() (Redis Cluster). */
  private signalled = false;
  /** The last token a signal channel carried since the last takeSignal() (Redis Cluster). */
  private lastToken: string | null = null;
  /** interruptBlocking() was called: the worker is closing, no wait may start. */
  private interrupted = false;
  private wake: (() => void) | null = null;
  private readonly signalChannels: ReadonlySet<string>;

  /** Made at once, so that close() can drop them while ready() still waits. */
  constructor(private readonly options: WorkerConnectionsOptions) {
    // No auto-pipelining: the scripts batch already, and it costs CPU per call (performance.md).
    this.commands = connect(options.config, true, 'worker');
    this.blocking = isCluster(this.commands) ? null : connect(options.config, true, 'worker-blocking');
    // Cancellations reach running attempts at once through pub/sub (and through the next
    // heartbeat, should a message be lost while this connection is down).
    this.events = connect(options.config, true, 'worker-events');
    this.leases = options.config.replication ? connect(options.config, true, 'worker-leases') : null;
    this.signalChannels = new Set(options.signals);
    this.events.on('message', (channel: string, message: string) => {
      if (!this.signalChannels.has(channel)) options.onCancellation(message);
      else {
        this.signalled = true;
        this.lastToken = message;
        this.wake?.();
      }
    });
  }

  /**
   * Forget signals heard so far: called before a claim looks at the queues, so that a signal
   * that arrives during the claim still cuts the next wait short.
   */
  takeSignal(): void {
    this.signalled = false;
    this.lastToken = null;
  }

  /**
   * Wait until a producer signals one of the queues (`signals`, every shard's) or `seconds` pass.
   * On one Redis that is one BLPOP on all the signal lists; on a Redis Cluster, where a BLPOP
   * cannot span slots, the lists' channels (to which the events connection is subscribed) wake it.
   * Returns the signal's token (ensureSignal in includes/common.lua: the id of the run whose
   * message was made ready, or "1"), or null when the time ran out first.
   */
  async waitForSignal(seconds: number): Promise<string | null> {
    if (this.blocking) {
      const popped = await this.blocking.blpop(...this.options.signals, Number(seconds.toFixed(3)));
      return popped?.[1] ?? null;
    }
    if (this.signalled || this.interrupted) return this.lastToken;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, seconds * 1000);
    });
    clearTimeout(timer);
    this.wake = null;
    return this.lastToken;
  }

  /**
   * Resolves once all three are ready and subscribed, within the app's connectTimeoutMs
   * (RedisUnavailableError after it, or the server's refusal at once), and warns through onError
   * when Redis may evict keys.
   */
  async ready(): Promise<void> {
    const { config, onError, cancellationsChannel } = this.options;
    const timeoutMs = config.connectTimeoutMs;
    // Failed attempts are reported for the commands connection only: the other two fail alike.
    await Promise.all([
      whenReady(this.commands, { timeoutMs, onAttemptFailed: onError }),
      ...(this.blocking ? [whenReady(this.blocking, { timeoutMs })] : []),
      whenReady(this.events, { timeoutMs }),
      ...(this.leases ? [whenReady(this.leases, { timeoutMs })] : []),
    ]);
    await this.events.subscribe(cancellationsChannel);
    if (isCluster(this.events)) await this.events.subscribe(...this.options.signals);
    const policy = await evictionPolicy(this.commands);
    if (policy !== null && policy !== 'noeviction') onError(new RedisEvictionPolicyError(endpointOf(this.commands), policy));
    // From now on each failed reconnect is reported.
    this.commands.on('error', onError);
  }

  /** Ends a blocking wait at once (the fetch loop then sees the worker closing). */
  interruptBlocking(): void {
    this.blocking?.disconnect();
    this.interrupted = true;
    this.wake?.();
  }

  /** QUIT where Redis answers, within a bound (closeConnection). */
  async quit(): Promise<void> {
    this.blocking?.disconnect();
    await Promise.all([closeConnection(this.events), closeConnection(this.commands), ...(this.leases ? [closeConnection(this.leases)] : [])]);
  }

  /** Drop them all now: whatever is pending on them fails. */
  disconnect(): void {
    for (const connection of [this.commands, this.blocking, this.events, this.leases]) connection?.disconnect();
  }
}
