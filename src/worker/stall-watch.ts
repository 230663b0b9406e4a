import type { RedisClient } from '../store/redis-client.js';
import { endpointOf } from '../connection.js';
import { RedisUnavailableError } from '../errors/index.js';

export interface StallWatchOptions {
  /** The worker's commands connection: the probe queues behind whatever the worker sent on it. */
  readonly connection: RedisClient;
  /** How long a probe may go unanswered before Redis counts as stalled (the app's connectTimeoutMs). */
  readonly boundMs: number;
  readonly onError: (error: unknown) => void;
  /** The clock, injectable so that a test can pin instants. */
  readonly now?: () => number;
}

/** Ticks no closer than this, so that a tiny connectTimeoutMs does not flood Redis with PINGs. */
const MIN_TICK_MS = 50;

/**
 * Notices a Redis that stops answering without dropping the connection (SIGSTOP, a frozen VM, a
 * dead proxy): ioredis then sees nothing wrong and every command just waits. Every half bound it
 * sends one PING on the commands connection, unless the last one is still unanswered; a PING
 * unanswered for `boundMs` is reported as RedisUnavailableError, at most once per bound while
 * it lasts. Any reply (an error reply too) ends the stall. It never touches the connection: a
 * frozen Redis resumes with its state, and commands already sent are answered then.
 */
export class StallWatch {
  private timer: NodeJS.Timeout | null = null;
  /** When the unanswered PING was sent, or null when none is pending. */
  private probeSentAt: number | null = null;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  /** Bound once, so that a probe allocates nothing but its own command. */
  private readonly answered = (): void => {
    this.probeSentAt = null;
  };

  constructor(private readonly options: StallWatchOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), Math.max(MIN_TICK_MS, Math.floor(this.options.boundMs / 2)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One check: report a PING unanswered past the bound, or send the next one. */
  tick(): void {
    const now = this.now();
    const { boundMs, connection, onError } = this.options;
    if (this.probeSentAt === null) {
      this.probeSentAt = now;
      connection.ping().then(this.answered, this.answered);
      return;
    }
    const waited = now - this.probeSentAt;
    if (waited < boundMs || now - this.lastReportAt < boundMs) return;
    this.lastReportAt = now;
    const cause = new Error(`a PING sent ${waited} ms ago has no reply yet (the connection is ${connection.status})`);
    onError(new RedisUnavailableError(endpointOf(connection), boundMs, { cause }));
  }
}
