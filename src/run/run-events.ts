import type { Redis } from 'ioredis';

type Listener = () => void;

/**
 * One pub/sub connection per app, shared by every `run.result()` waiting in this process. A
 * listener is called on each message on its channel and after every reconnect, because messages
 * published while the connection was down are lost: on either, the waiter re-reads the run.
 */
export class RunEvents {
  private subscriber: Redis | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly createConnection: () => Redis) {}

  private connection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.createConnection();
    subscriber.on('message', (channel: string) => {
      for (const listener of this.listeners.get(channel) ?? []) listener();
    });
    let connectedOnce = false;
    subscriber.on('ready', () => {
      // ioredis resubscribes by itself; what was published meanwhile must be re-read.
      if (connectedOnce) for (const set of this.listeners.values()) for (const listener of set) listener();
      connectedOnce = true;
    });
    // Errors surface through the waiters' own reads; an unhandled 'error' event would crash.
    subscriber.on('error', () => undefined);
    this.subscriber = subscriber;
    return subscriber;
  }

  /** Call `listener` on every event of `channel` until the returned function is called. */
  async watch(channel: string, listener: Listener): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.connection().subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        if (this.subscriber?.status === 'ready') await this.subscriber.unsubscribe(channel);
      }
    };
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    this.listeners.clear();
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
