import type { ClaimedMessage, NodeStore } from '../store/node-store.js';
import type { WorkerConnections } from './worker-connections.js';

/** Longest a worker with nothing to do waits before looking again (a safety net, not polling). */
const MAX_IDLE_SECONDS = 5;

/**
 * How a worker finds work in every shard: one claim script per shard (each runs in its shard's
 * slot), starting from the next shard each time so that no shard waits behind another; and,
 * with nothing claimed, one wait for a producer's signal on any shard (WorkerConnections).
 */
export class ShardClaims {
  /** The shard the next claim starts with. */
  private nextShard = 0;

  constructor(
    private readonly nodes: NodeStore,
    private readonly connections: WorkerConnections,
    private readonly options: { readonly shardCount: number; readonly queues: readonly string[]; readonly leaseMs: number },
  ) {}

  /**
   * Up to `free` messages. wakeInMs is the soonest any shard has something due: it only matters
   * when nothing was claimed, and then every shard was asked.
   */
  async claim(free: number): Promise<{ wakeInMs: number; claimed: ClaimedMessage[] }> {
    // Signals heard from here on cut the next wait short: they may be for what this claim misses.
    this.connections.takeSignal();
    const { shardCount, queues, leaseMs } = this.options;
    const first = this.nextShard;
    this.nextShard = (first + 1) % shardCount;
    let wakeInMs = -1;
    const claimed: ClaimedMessage[] = [];
    for (let offset = 0; offset < shardCount && claimed.length < free; offset++) {
      const reply = await this.nodes.claim((first + offset) % shardCount, queues, free - claimed.length, leaseMs);
      for (const message of reply.claimed) claimed.push(message);
      if (reply.wakeInMs >= 0) wakeInMs = wakeInMs < 0 ? reply.wakeInMs : Math.min(wakeInMs, reply.wakeInMs);
    }
    return { wakeInMs, claimed };
  }

  /** Wait until a producer signals one of the queues, or `wakeInMs` (-1: none due) passes. */
  async idle(wakeInMs: number): Promise<void> {
    const seconds = wakeInMs < 0 ? MAX_IDLE_SECONDS : Math.min(wakeInMs / 1000, MAX_IDLE_SECONDS);
    if (seconds >= 0.001) await this.connections.waitForSignal(seconds);
  }
}
