import type { ClaimedMessage, NodeStore, StartedNode } from '../store/node-store.js';
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
    private readonly options: {
      readonly shardCount: number;
      readonly shardOf: (runId: string) => number;
      readonly queues: readonly string[];
      readonly leaseMs: number;
      readonly maxLeaseExpiries: number;
      readonly leaseExpiredErrorJson: string;
    },
  ) {}

  /**
   * Up to `free` messages. wakeInMs is the soonest any shard has something due: it only matters
   * when nothing was claimed, and then every shard was asked. `runId`: the run the signal that
   * woke the worker named: its shard is asked first, with claim-run, which also starts that
   * run's messages (`started`); the others come back `claimed`, to start with start-nodes.
   */
  async claim(free: number, runId: string | null = null): Promise<{ wakeInMs: number; claimed: ClaimedMessage[]; started: readonly StartedNode[] }> {
    // Signals heard from here on cut the next wait short: they may be for what this claim misses.
    this.connections.takeSignal();
    const { shardCount, queues, leaseMs } = this.options;
    const first = this.nextShard;
    this.nextShard = (first + 1) % shardCount;
    let wakeInMs = -1;
    const claimed: ClaimedMessage[] = [];
    let started: readonly StartedNode[] = [];
    const merge = (due: number): void => {
      if (due >= 0) wakeInMs = wakeInMs < 0 ? due : Math.min(wakeInMs, due);
    };
    let asked = -1;
    if (runId !== null) {
      asked = this.options.shardOf(runId);
      const reply = await this.nodes.claimRun(runId, queues, free, leaseMs, this.options.maxLeaseExpiries, this.options.leaseExpiredErrorJson);
      for (const message of reply.claimed) claimed.push(message);
      started = reply.started;
      merge(reply.wakeInMs);
    }
    for (let offset = 0; offset < shardCount && claimed.length + started.length < free; offset++) {
      const shard = (first + offset) % shardCount;
      if (shard === asked) continue;
      const reply = await this.nodes.claim(shard, queues, free - claimed.length - started.length, leaseMs);
      for (const message of reply.claimed) claimed.push(message);
      merge(reply.wakeInMs);
    }
    return { wakeInMs, claimed, started };
  }

  /**
   * Wait until a producer signals one of the queues, or `wakeInMs` (-1: none due) passes. Returns
   * the run the signal named, for the next claim (null: none, or the time ran out).
   */
  async idle(wakeInMs: number): Promise<string | null> {
    const seconds = wakeInMs < 0 ? MAX_IDLE_SECONDS : Math.min(wakeInMs / 1000, MAX_IDLE_SECONDS);
    if (seconds < 0.001) return null;
    const token = await this.connections.waitForSignal(seconds);
    // "1" names no run (a re-signal, a repair): a plain claim.
    return token !== null && token !== '1' ? token : null;
  }
}
