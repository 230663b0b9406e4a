import type { RedisClient } from './redis-client.js';
import { DEFAULT_QUEUE } from '../graph/spec.js';
import type { KeySpace, ShardKeys } from './keys.js';
import { parseReadyMember } from './messages.js';
import { decodeNodeState } from './node-state.js';
import { queueStats } from './scripts/queue-stats.js';

/** One queue's messages at one instant (queue-stats.lua). */
export interface QueueStats {
  /** The queue's name, as tasks and `.set({ queue })` give it. */
  readonly name: string;
  /** Messages waiting for a worker. */
  readonly ready: number;
  /** Messages waiting for a countdown, an eta or a retry's backoff. */
  readonly delayed: number;
  /** Messages a worker holds (their attempts are running). */
  readonly leased: number;
  /**
   * How long the ready message that came first has waited, from its node's `queuedAt` (RedisClient
   * clock); null when nothing is ready, or its node is gone. A message that was delayed counts
   * from when it was scheduled, not from when it became due.
   */
  readonly oldestReadyAgeMs: number | null;
}

/** Running runs read from the index per page when the queues are found from the runs' metas. */
const RUNS_PER_PAGE = 500;

/**
 * The queues the running runs use (each run's meta keeps its `queues`), the default queue, and
 * `names`, sorted. Redis keeps no set of queue names: one would cost a write on every submit.
 */
export async function knownQueues(redis: RedisClient, keys: KeySpace, names: readonly string[]): Promise<string[]> {
  const found = new Set<string>([DEFAULT_QUEUE, ...names]);
  for (const shard of keys.shards) {
    let after = '-';
    for (;;) {
      const members = await redis.zrangebylex(shard.runIndexes.running, after, '+', 'LIMIT', 0, RUNS_PER_PAGE);
      if (members.length > 0) {
        // One shard's keys: one slot, so one pipeline even on Redis Cluster.
        const pipeline = redis.pipeline();
        for (const member of members) pipeline.hget(shard.run(member.slice(member.indexOf(':') + 1)).run, 'queues');
        for (const [error, queuesJson] of (await pipeline.exec()) ?? []) {
          if (error) throw error;
          if (typeof queuesJson !== 'string') continue; // expired or deleted since the index read
          for (const name of JSON.parse(queuesJson) as unknown[]) if (typeof name === 'string') found.add(name);
        }
      }
      if (members.length < RUNS_PER_PAGE) break;
      after = `(${members.at(-1)!}`;
    }
  }
  return [...found].sort();
}

/**
 * The counts of `queues`, summed over the shards (each shard's counts consistent with each other:
 * one script per shard), then the age of each queue's oldest ready message, read from its node's
 * state just after (it may have started meanwhile: its queuedAt is unchanged by a start, so the
 * age is still that of the delivery).
 */
export async function readQueueStats(redis: RedisClient, keys: KeySpace, queues: readonly string[]): Promise<QueueStats[]> {
  const perShard = await Promise.all(keys.shards.map((shard) => readShardQueueStats(redis, shard, queues)));
  return queues.map((name, index) => {
    let ready = 0;
    let delayed = 0;
    let leased = 0;
    let oldestReadyAgeMs: number | null = null;
    for (const stats of perShard) {
      const queue = stats[index]!;
      ready += queue.ready;
      delayed += queue.delayed;
      leased += queue.leased;
      if (queue.oldestReadyAgeMs !== null) oldestReadyAgeMs = Math.max(oldestReadyAgeMs ?? 0, queue.oldestReadyAgeMs);
    }
    return { name, ready, delayed, leased, oldestReadyAgeMs };
  });
}

async function readShardQueueStats(redis: RedisClient, keys: ShardKeys, queues: readonly string[]): Promise<QueueStats[]> {
  const reply = await queueStats.run(redis, { shard: keys, queues });
  const { now } = reply;
  const counted = queues.map((name, index) => {
    const { ready, delayed, leased, oldest } = reply.queues[index]!;
    return { name, ready, delayed, leased, oldest: oldest !== '' ? parseReadyMember(oldest) : null };
  });
  const withOldest = counted.filter((queue) => queue.oldest !== null);
  const pipeline = redis.pipeline();
  for (const { oldest } of withOldest) {
    const run = keys.run(oldest!.runId);
    pipeline.hget(run.nodes, oldest!.nodeId).hget(run.run, 'createdAt');
  }
  const answers = withOldest.length > 0 ? ((await pipeline.exec()) ?? []) : [];
  const queuedAt = new Map<string, number>();
  withOldest.forEach((queue, index) => {
    const [stateError, stateJson] = answers[2 * index] ?? [null, null];
    const [createdError, createdAt] = answers[2 * index + 1] ?? [null, null];
    if (stateError) throw stateError;
    if (createdError) throw createdError;
    if (typeof createdAt !== 'string') return; // the run is gone
    // A root that never started has no state: it was queued at the run's creation.
    const parsed = typeof stateJson === 'string' ? decodeNodeState(stateJson) : undefined;
    const at = parsed === undefined ? Number(createdAt) : parsed !== null ? (parsed.queuedAt ?? Number(createdAt)) : undefined;
    if (at !== undefined && Number.isFinite(at)) queuedAt.set(queue.name, at);
  });
  return counted.map(({ name, ready, delayed, leased }) => {
    const at = queuedAt.get(name);
    return { name, ready, delayed, leased, oldestReadyAgeMs: at === undefined ? null : Math.max(0, now - at) };
  });
}
