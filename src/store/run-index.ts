import type { RedisClient } from './redis-client.js';
import type { KeySpace } from './keys.js';
import { type RunStatus, RUN_STATUSES } from './records.js';
import { type RunMeta, parseMeta } from './run-meta.js';
import { pruneRuns } from './scripts/prune-runs.js';

/** How long an expired run is still recognised as expired (rather than unknown). */
const EXPIRED_RUN_MEMORY_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 1000;

/**
 * The first `limit` of several shards' index pages, each already in order: run index members
 * ("<createdAt>:<id>") sort the same way in every shard, so the merge is a global order.
 */
export function mergeMembers(pages: readonly (readonly string[])[], limit: number, order: 'ascending' | 'descending'): string[] {
  if (pages.length === 1) return pages[0]!.slice(0, limit);
  const all = pages.flat();
  all.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (order === 'descending') all.reverse();
  return all.slice(0, limit);
}

export interface RunPage {
  readonly runs: readonly RunMeta[];
  /** Pass back to get the next (older) page; null on the last page. */
  readonly cursor: string | null;
}

/** The run indexes: listing runs newest first, index members by creation time, statuses, pruning expired runs. */
export class RunIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  /**
   * Index members of one index (all runs, or one status), oldest first, created before
   * `createdBefore` (ms) if given, after the member `after` (exclusive), at most `limit`.
   */
  async indexMembers(index: RunStatus | 'all', options: { createdBefore?: number; after?: string; limit: number }): Promise<string[]> {
    const start = options.after ? `(${options.after}` : '-';
    // Members start with the creation time as 15 digits: a lex bound selects by creation time.
    const end = options.createdBefore === undefined ? '+' : `(${String(Math.max(0, options.createdBefore)).padStart(15, '0')}`;
    // Each shard's first `limit`, merged: members are unique and ordered the same in every shard.
    const pages = await Promise.all(
      this.keys.shards.map((shard) =>
        this.redis.zrangebylex(index === 'all' ? shard.runIndexes.all : shard.runIndexes[index], start, end, 'LIMIT', 0, options.limit),
      ),
    );
    return mergeMembers(pages, options.limit, 'ascending');
  }

  /** The statuses of these runs (null for a run whose keys are gone), one round trip. */
  async statuses(runIds: readonly string[]): Promise<(RunStatus | null)[]> {
    const values = await this.hgetOfRuns(runIds, 'status');
    return values.map((value) => RUN_STATUSES.find((status) => status === value) ?? null);
  }

  /** Drop the index entries of expired runs (bounded, per shard). */
  async prune(): Promise<number> {
    const pruned = await Promise.all(
      this.keys.shards.map((shard) => pruneRuns.run(this.redis, { shard, limit: PRUNE_BATCH, expiredMemoryMs: EXPIRED_RUN_MEMORY_MS })),
    );
    return pruned.reduce((sum, count) => sum + count, 0);
  }

  /**
   * All fields of each run's meta hash, in order, one pipeline per shard: on Redis Cluster a
   * pipeline must stay in one slot.
   */
  private async metaFieldsOfRuns(runIds: readonly string[]): Promise<Record<string, string>[]> {
    return this.perShard(runIds, (pipeline, id) => pipeline.hgetall(this.keys.run(id).run), (value) => (value ?? {}) as Record<string, string>);
  }

  private async hgetOfRuns(runIds: readonly string[], field: string): Promise<(string | null)[]> {
    return this.perShard(runIds, (pipeline, id) => pipeline.hget(this.keys.run(id).run, field), (value) => (typeof value === 'string' ? value : null));
  }

  private async perShard<T>(
    runIds: readonly string[],
    add: (pipeline: ReturnType<RedisClient['pipeline']>, runId: string) => void,
    decode: (value: unknown) => T,
  ): Promise<T[]> {
    const byShard = new Map<number, number[]>();
    runIds.forEach((id, position) => {
      const shard = this.keys.shardOf(id);
      let positions = byShard.get(shard);
      if (!positions) byShard.set(shard, (positions = []));
      positions.push(position);
    });
    const results: T[] = new Array<T>(runIds.length);
    await Promise.all(
      [...byShard.values()].map(async (positions) => {
        const pipeline = this.redis.pipeline();
        for (const position of positions) add(pipeline, runIds[position]!);
        const replies = (await pipeline.exec()) ?? [];
        positions.forEach((position, index) => {
          const [error, value] = replies[index] ?? [null, null];
          if (error) throw error;
          results[position] = decode(value);
        });
      }),
    );
    return results;
  }

  /** Newest first, from the index (never a SCAN of the keyspace). */
  async list(options: { status?: RunStatus; limit: number; cursor?: string }): Promise<RunPage> {
    await this.prune();
    const { status } = options;
    const start = options.cursor ? `(${options.cursor}` : '+';
    const pages = await Promise.all(
      this.keys.shards.map((shard) =>
        this.redis.zrevrangebylex(status ? shard.runIndexes[status] : shard.runIndexes.all, start, '-', 'LIMIT', 0, options.limit),
      ),
    );
    const members = mergeMembers(pages, options.limit, 'descending');
    const ids = members.map((member) => member.slice(member.indexOf(':') + 1));
    const fields = await this.metaFieldsOfRuns(ids);
    const runs: RunMeta[] = [];
    ids.forEach((id, position) => {
      const meta = parseMeta(id, fields[position] ?? {});
      if (meta) runs.push(meta); // an expired run not pruned yet is skipped
    });
    const last = members.at(-1);
    return { runs, cursor: members.length === options.limit && last ? last : null };
  }
}
