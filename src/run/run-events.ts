import type { RedisClient } from '../store/redis-client.js';
import { closeConnection, whenReady } from '../connection.js';

/** Called with a message's text, or with null after a reconnect (messages may have been lost). */
type Listener = (message: string | null) => void;

/**
 * One pub/sub connection per app, shared by every `run.result()` waiting in this process. A
 * listener is called on each message on its channel and after every reconnect, because messages
 * published while the connection was down are lost: after a reconnect the waiter re-reads the run.
 */
interface Subscription {
  readonly listeners: Set<Listener>;
  /** Resolves once SUBSCRIBE was acknowledged: a waiter may read the run only after that. */
  readonly subscribed: Promise<void>;
}

export class RunEvents {
  private connection: RedisClient | null = null;
  private ready: Promise<RedisClient> | null = null;
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(
    private readonly createConnection: () => RedisClient,
    private readonly connectTimeoutMs: number,
  ) {}

  /**
   * The shared connection, once ready. Subscribing only after 'ready' matters: a SUBSCRIBE queued
   * before ioredis's ready check would put the connection in subscriber mode and fail that check.
   * Not ready within connectTimeoutMs: RedisUnavailableError, and the next call starts afresh.
   */
  private whenReady(): Promise<RedisClient> {
    if (this.ready) return this.ready;
    const connection = this.createConnection();
    this.connection = connection;
    connection.on('message', (channel: string, message: string) => {
      for (const listener of this.subscriptions.get(channel)?.listeners ?? []) listener(message);
    });
    let connectedOnce = false;
    connection.on('ready', () => {
      if (connectedOnce) this.resubscribed(connection);
      connectedOnce = true;
    });
    // Errors surface through the waiters' own reads; an unhandled 'error' event would crash.
    connection.on('error', () => undefined);
    const ready = whenReady(connection, { timeoutMs: this.connectTimeoutMs }).then(
      () => connection,
      (error: unknown) => {
        if (this.ready === ready) {
          this.ready = null;
          this.connection = null;
        }
        connection.disconnect();
        throw error;
      },
    );
    this.ready = ready;
    return ready;
  }

  /**
   * After a reconnect, whatever was published while the connection was down is lost: every
   * waiter re-reads its run, but only once its channel is subscribed again (ioredis resubscribes
   * after 'ready'; subscribing once more ourselves is harmless and tells us when it is done).
   */
  private resubscribed(connection: RedisClient): void {
    const channels = [...this.subscriptions.keys()];
    if (channels.length === 0) return;
    const notify = (): void => {
      for (const channel of channels) for (const listener of this.subscriptions.get(channel)?.listeners ?? []) listener(null);
    };
    connection.subscribe(...channels).then(notify, notify);
  }

  /** Call `listener` on every event of `channel` until the returned function is called. */
  async watch(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      const subscribed = this.whenReady().then(async (connection) => {
        await connection.subscribe(channel);
      });
      const created: Subscription = { listeners: new Set(), subscribed };
      subscription = created;
      this.subscriptions.set(channel, created);
      // A failed subscription is not kept: the next watcher of the channel tries again.
      subscribed.catch(() => {
        if (this.subscriptions.get(channel) === created) this.subscriptions.delete(channel);
      });
    }
    subscription.listeners.add(listener);
    await subscription.subscribed;
    return async () => {
      const current = this.subscriptions.get(channel);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        this.subscriptions.delete(channel);
        if (this.connection?.status === 'ready') await this.connection.unsubscribe(channel);
      }
    };
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = null;
    this.ready = null;
    this.subscriptions.clear();
    if (connection) await closeConnection(connection);
  }
}
