import { Cluster, type Redis } from 'ioredis';

/**
 * What the stores talk to: one Redis server, or a Redis Cluster. Every command the stores send
 * touches one shard's keys (one slot), so each works on both.
 */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
