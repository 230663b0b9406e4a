import { type CeleriacEvent, decodeEntry, formatStreamPosition } from './events.js';
import type { KeySpace } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** Entries per XREVRANGE while looking back. */
const PAGE = 1_000;

export interface RecentEventsQuery {
  readonly runId: string;
  readonly nodeId?: string;
  /** Most events returned (the newest). */
  readonly limit: number;
  /** Most stream entries looked at, newest first. */
  readonly scanLimit: number;
}

/**
 * A run's (or one of its nodes') events still in the stream, oldest first: a bounded look back
 * from the newest entry, since a live reader cannot tell that it has seen everything.
 */
export async function readRecentEvents(redis: RedisClient, keys: KeySpace, query: RecentEventsQuery): Promise<CeleriacEvent[]> {
  const { runId, nodeId, limit, scanLimit } = query;
  // A run's events are all in its shard's stream. Their ids name that shard's entry and the
  // start of every other shard's: a cursor no later than where any live reader stands.
  const shard = keys.shardOf(runId);
  const key = keys.shards[shard]!.events;
  const idOf = (entry: string) => (index: number): string =>
    formatStreamPosition(keys.shards.map((_unused, k) => (k === shard ? { entry, index } : { entry: '0-0' })));
  const found: CeleriacEvent[] = [];
  let end = '+';
  let read = 0;
  while (read < scanLimit && found.length < limit) {
    const entries = (await redis.xrevrange(key, end, '-', 'COUNT', Math.min(PAGE, scanLimit - read))) as [string, string[]][];
    for (const [id, fields] of entries) {
      // The run id is the entry's second field: other runs' entries are skipped undecoded.
      if (fields[1] !== runId) continue;
      const events = decodeEntry(id, fields, -1, idOf(id));
      for (let k = events.length - 1; k >= 0; k--) {
        const event = events[k]!;
        if (nodeId === undefined || ('nodeId' in event && event.nodeId === nodeId)) found.push(event);
      }
    }
    read += entries.length;
    if (entries.length < PAGE) break;
    end = `(${entries.at(-1)![0]}`;
  }
  return found.slice(0, limit).reverse();
}
