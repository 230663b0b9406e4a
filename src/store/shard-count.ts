import { ShardCountError } from '../errors/index.js';
import { KeySpace } from './keys.js';
import type { RedisClient } from './redis-client.js';
import { isOutOfMemory } from './redis-errors.js';

/**
 * Compare the app's shard count with the one recorded for its prefix, recording it when none is
 * (HSETNX: the first app to use a prefix fixes it). A run's shard follows from the count, so an
 * app with another count would look for runs in the wrong shards: ShardCountError.
 * A Redis too full to record it is let be: nothing was recorded, so nothing can disagree yet, and
 * the next call tries again.
 */
export async function checkShardCount(redis: RedisClient, keys: KeySpace): Promise<boolean> {
  const configured = keys.shards.length;
  let recorded = await redis.hget(keys.meta, 'shards');
  if (recorded === null) {
    try {
      if ((await redis.hsetnx(keys.meta, 'shards', String(configured))) === 1) return true;
    } catch (error) {
      if (isOutOfMemory(error)) return false;
      throw error;
    }
    recorded = await redis.hget(keys.meta, 'shards');
  }
  const count = Number(recorded);
  if (Number.isInteger(count) && count !== configured) throw new ShardCountError(keys.prefix, configured, count);
  return true;
}

/** The shard count recorded for a prefix, or null when no app has used it yet. */
export async function recordedShardCount(redis: RedisClient, prefix: string): Promise<number | null> {
  const recorded = await redis.hget(new KeySpace(prefix).meta, 'shards');
  const count = Number(recorded);
  return recorded !== null && Number.isInteger(count) && count >= 1 ? count : null;
}
