import { isCluster, type RedisClient } from '../store/redis-client.js';
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

/** A run submitted here with the waiter channel, until a result() takes its finish. */
interface Expected {
  /** undefined: nothing yet; the finish message once it came; null: it may have been lost (a reconnect). */
  notice: string | null | undefined;
  listener: Listener | null;
}

/** What a result() gets for a run submitted here with the waiter channel (takeExpected). */
export interface ExpectedFinish {
  /** The finish message already here, null when it may have been lost, undefined when none came yet. */
  readonly notice: string | null | undefined;
  /** Stop listening; the run is no longer expected here. */
  readonly release: () => void;
}

export class RunEvents {
  private connection: RedisClient | null = null;
  private ready: Promise<RedisClient> | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  /**
   * The waiter channel: once a result() has been called here, runs submitted here name it
   * (submit-run's notify) and announce their finish on it, so that waiting for them costs no
   * SUBSCRIBE, read or UNSUBSCRIBE of its own. 'on' only once SUBSCRIBE was acknowledged on the
   * current connection: a submit made before that could finish before the subscription.
   */
  private waiterState: 'off' | 'subscribing' | 'on' = 'off';
  private readonly expected = new Map<string, Expected>();
  /** A handle that is gone can no longer call result(): its run is no longer expected. */
  private readonly forget = new FinalizationRegistry<{ runId: string; entry: Expected }>(({ runId, entry }) => {
    if (this.expected.get(runId) === entry) this.expected.delete(runId);
  });

  constructor(
    private readonly createConnection: () => RedisClient,
    private readonly connectTimeoutMs: number,
    private readonly waiterChannel: string,
  ) {}

  /** The waiter channel for a submit to name, or null while it is not subscribed. */
  waiterChannelIfOpen(): string | null {
    return this.waiterState === 'on' && this.connection?.status === 'ready' ? this.waiterChannel : null;
  }

  /** Subscribe to the waiter channel, in the background, if not done yet (the first result() here). */
  openWaiterChannel(): void {
    if (this.waiterState !== 'off') return;
    this.waiterState = 'subscribing';
    this.whenReady()
      .then((connection) => connection.subscribe(this.waiterChannel))
      .then(
        () => {
          if (this.waiterState === 'subscribing') this.waiterState = 'on';
        },
        () => {
          this.waiterState = 'off';
        },
      );
  }

  /**
   * A run is about to be submitted naming the waiter channel: keep its finish until `handle`'s
   * result() takes it (takeExpected), or until the handle is garbage. Before the submit is sent,
   * since the finish may arrive before the submit's reply.
   */
  expect(runId: string, handle: object): void {
    const entry: Expected = { notice: undefined, listener: null };
    this.expected.set(runId, entry);
    this.forget.register(handle, { runId, entry });
  }

  /** The submit failed: nothing will finish. */
  unexpect(runId: string): void {
    this.expected.delete(runId);
  }

  /**
   * For a result() of a run submitted here with the waiter channel: its finish if it came, and
   * `listener` called with it (or with null after a reconnect) if it has not. Null when the run is
   * not expected here (or another result() is already listening): wait for it the usual way.
   */
  takeExpected(runId: string, listener: Listener): ExpectedFinish | null {
    const entry = this.expected.get(runId);
    if (!entry || entry.listener) return null;
    entry.listener = listener;
    return {
      notice: entry.notice,
      release: () => {
        if (this.expected.get(runId) === entry) this.expected.delete(runId);
      },
    };
  }

  /**
   * A run's finish message learnt from the script that finished it, in this process (a worker
   * here completed its last node): the same message its channels get, handed over without waiting
   * for pub/sub. The published copy then finds nobody waiting.
   */
  deliver(runId: string, channel: string, message: string): void {
    this.noticed(runId, message);
    for (const listener of this.subscriptions.get(channel)?.listeners ?? []) listener(message);
  }

  private noticed(runId: string, message: string | null): void {
    const entry = this.expected.get(runId);
    if (!entry) return;
    if (entry.listener) entry.listener(message);
    // A message kept is not overwritten by a later null: a reconnect loses only what was not here.
    else if (message !== null || entry.notice === undefined) entry.notice = message;
  }

  /** A message on the waiter channel: a run's id, a line break, and its finish message. */
  private waiterMessage(text: string): void {
    const newline = text.indexOf('\n');
    if (newline > 0) this.noticed(text.slice(0, newline), text.slice(newline + 1));
  }

  /**
   * The shared connection, once ready. Subscribing only after 'ready' matters: a SUBSCRIBE queued
   * before ioredis's ready check would put the connection in subscriber mode and fail that check.
   * A Cluster client subscribes through a connection of its own, opened by the first SUBSCRIBE,
   * and writes a SUBSCRIBE sent while that connection's handshake runs at once, ahead of its
   * ready check (redis/ioredis#2037, an unhandled rejection): so on a cluster one SUBSCRIBE (the
   * waiter channel, harmless before any submit names it) completes before the connection is
   * handed out. Not ready within connectTimeoutMs: RedisUnavailableError, and the next call
   * starts afresh.
   */
  private whenReady(): Promise<RedisClient> {
    if (this.ready) return this.ready;
    const connection = this.createConnection();
    this.connection = connection;
    connection.on('message', (channel: string, message: string) => {
      if (channel === this.waiterChannel) this.waiterMessage(message);
      else for (const listener of this.subscriptions.get(channel)?.listeners ?? []) listener(message);
    });
    let connectedOnce = false;
    connection.on('ready', () => {
      if (connectedOnce) this.resubscribed(connection);
      connectedOnce = true;
    });
    // Errors surface through the waiters' own reads; an unhandled 'error' event would crash.
    connection.on('error', () => undefined);
    const ready = whenReady(connection, { timeoutMs: this.connectTimeoutMs }).then(
      async () => {
        if (isCluster(connection)) await connection.subscribe(this.waiterChannel);
        return connection;
      },
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
    const waiter = this.waiterState !== 'off';
    // Submits name the channel again only once it is subscribed again.
    if (waiter) {
      this.waiterState = 'subscribing';
      channels.push(this.waiterChannel);
    }
    if (channels.length === 0) return;
    const notify = (subscribed: boolean): void => {
      if (waiter && this.waiterState === 'subscribing') this.waiterState = subscribed ? 'on' : 'off';
      for (const channel of channels) for (const listener of this.subscriptions.get(channel)?.listeners ?? []) listener(null);
      for (const runId of [...this.expected.keys()]) this.noticed(runId, null);
    };
    connection.subscribe(...channels).then(
      () => notify(true),
      () => notify(false),
    );
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
    this.expected.clear();
    this.waiterState = 'off';
    if (connection) await closeConnection(connection);
  }
}
