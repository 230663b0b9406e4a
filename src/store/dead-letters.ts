import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';

/** A message no worker could act on (includes/dead-letter.lua). */
export interface DeadLetter {
  readonly at: Date;
  readonly queue: string;
  /** The message exactly as it was in the queue. */
  readonly message: string;
  /**
   * Why: `malformed` (not celeriac's message format), `run-missing`, `node-missing`,
   * `node-succeeded` / `node-failed` / `node-cancelled` / `node-skipped` (a duplicate delivery of a finished node,
   * expected after a lease expired while its attempt went on to finish), `node-pending`,
   * `run-damaged` (the node has a state but its spec is gone).
   */
  readonly reason: string;
  /** When the message names them. */
  readonly runId?: string;
  readonly nodeId?: string;
}

export interface DeadLetters {
  /** Dead letters ever recorded (since the last clear), by reason. */
  readonly counts: Readonly<Record<string, number>>;
  readonly total: number;
  /** The newest first, at most the limit asked for (the newest 10,000 are kept). */
  readonly entries: readonly DeadLetter[];
}

interface StoredDeadLetter {
  readonly at: number;
  readonly queue: string;
  readonly message: string;
  readonly reason: string;
  readonly runId?: string;
  readonly nodeId?: string;
}

export async function readDeadLetters(redis: RedisClient, keys: KeySpace, limit: number): Promise<DeadLetters> {
  // Each shard keeps its own; the newest `limit` of all are among each shard's newest `limit`.
  const perShard = await Promise.all(
    keys.shards.map((shard) =>
      Promise.all([
        limit > 0 ? redis.lrange(shard.deadLetters.list, 0, limit - 1) : Promise.resolve([]),
        redis.hgetall(shard.deadLetters.counts),
      ]),
    ),
  );
  // fromEntries defines own properties: a reason named "__proto__" cannot touch a prototype.
  const byReason: Record<string, number> = Object.fromEntries([]);
  for (const [, counts] of perShard) {
    for (const [reason, count] of Object.entries(counts)) {
      byReason[reason] = (Object.hasOwn(byReason, reason) ? byReason[reason]! : 0) + Number(count);
    }
  }
  const total = Object.values(byReason).reduce((sum, count) => sum + count, 0);
  const entries = perShard.flatMap(([raw]) => raw.map(parseDeadLetter));
  // Stable: within a shard the list is newest first already.
  if (perShard.length > 1) entries.sort((a, b) => b.at.getTime() - a.at.getTime());
  return { counts: byReason, total, entries: entries.slice(0, limit) };
}

function parseDeadLetter(raw: string): DeadLetter {
  const stored = JSON.parse(raw) as StoredDeadLetter;
  return {
    at: new Date(stored.at),
    queue: stored.queue,
    message: stored.message,
    reason: stored.reason,
    ...(stored.runId !== undefined ? { runId: stored.runId } : {}),
    ...(stored.nodeId !== undefined ? { nodeId: stored.nodeId } : {}),
  };
}

/** Forget every dead letter and count. Returns how many entries were kept before. */
export async function clearDeadLetters(redis: RedisClient, keys: KeySpace): Promise<number> {
  const lengths = await Promise.all(
    keys.shards.map(async ({ deadLetters }) => {
      const [[, length]] = (await redis.multi().llen(deadLetters.list).del(deadLetters.list, deadLetters.counts).exec()) as [
        [Error | null, number],
        [Error | null, number],
      ];
      return length;
    }),
  );
  return lengths.reduce((sum, length) => sum + length, 0);
}
