import type { Redis } from 'ioredis';
import { type AppConfig, connect } from '../config.js';
import { closeConnection, endpointOf, evictionPolicy, whenReady } from '../connection.js';
import { RedisEvictionPolicyError } from '../errors/index.js';

export interface WorkerConnectionsOptions {
  readonly config: AppConfig;
  /** The channel on which cancel-run announces cancelled runs. */
  readonly cancellationsChannel: string;
  /** Told of each failed attempt to reach Redis, at start and during later outages, and of a policy that may evict keys. */
  readonly onError: (error: unknown) => void;
  /** A run was announced cancelled (perhaps late: the caller checks). */
  readonly onCancellation: (runId: string) => void;
}

/**
 * A worker's three connections: `commands` (scripts), `blocking` (BLPOP on the signal lists)
 * and `events` (subscribed to the cancellations channel). All are persistent: once ready, an
 * outage of any length is ridden out, their commands waiting for the reconnect.
 */
export class WorkerConnections {
  readonly commands: Redis;
  readonly blocking: Redis;
  readonly events: Redis;

  /** Made at once, so that close() can drop them while ready() still waits. */
  constructor(private readonly options: WorkerConnectionsOptions) {
    // No auto-pipelining: the scripts batch already, and it costs CPU per call (performance.md).
    this.commands = connect(options.config, true, 'worker');
    this.blocking = connect(options.config, true, 'worker-blocking');
    // Cancellations reach running attempts at once through pub/sub (and through the next
    // heartbeat, should a message be lost while this connection is down).
    this.events = connect(options.config, true, 'worker-events');
    this.events.on('message', (_channel: string, runId: string) => options.onCancellation(runId));
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
      whenReady(this.blocking, { timeoutMs }),
      whenReady(this.events, { timeoutMs }),
    ]);
    await this.events.subscribe(cancellationsChannel);
    const policy = await evictionPolicy(this.commands);
    if (policy !== null && policy !== 'noeviction') onError(new RedisEvictionPolicyError(endpointOf(this.commands), policy));
    // From now on each failed reconnect is reported.
    this.commands.on('error', onError);
  }

  /** Ends a blocking wait at once (the fetch loop then sees the worker closing). */
  interruptBlocking(): void {
    this.blocking.disconnect();
  }

  /** QUIT where Redis answers, within a bound (closeConnection). */
  async quit(): Promise<void> {
    this.blocking.disconnect();
    await Promise.all([closeConnection(this.events), closeConnection(this.commands)]);
  }

  /** Drop all three now: whatever is pending on them fails. */
  disconnect(): void {
    for (const connection of [this.commands, this.blocking, this.events]) connection.disconnect();
  }
}
