import { Cluster, Redis } from 'ioredis';
import { type AppConfig, connect } from './config.js';
import { closeConnection, withConnection } from './connection.js';
import type { KeySpace } from './store/keys.js';
import type { RedisClient } from './store/redis-client.js';
import { RunStore } from './store/run-store.js';
import { checkShardCount } from './store/shard-count.js';
import { SWEEP_NODES } from './store/sweeps.js';

/**
 * An app's command connection, made when first used, and what is checked on it once: the app's
 * shard count. Every App call that reaches Redis goes through `withRedis`.
 */
export class AppConnection {
  private commandConnection: RedisClient | null = null;
  /** The shard count check against Redis (checkShards), done once per app. */
  private shardsChecked: Promise<void> | null = null;
  private runStore: RunStore | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: KeySpace,
  ) {}

  /** The app's command connection (the caller's own instance, if one was given). */
  get redis(): RedisClient {
    if (!this.commandConnection) {
      const { redis } = this.config;
      this.commandConnection = redis instanceof Redis || redis instanceof Cluster ? redis : connect(this.config, false, 'commands');
    }
    return this.commandConnection;
  }

  get runs(): RunStore {
    if (!this.runStore) {
      const { replication } = this.config;
      // A shortfall is thrown to the caller of submit, cancel, resume, rerun or delete.
      const wait = replication && { replicas: replication.waitReplicas, timeoutMs: replication.timeoutMs, onShortfall: null };
      this.runStore = new RunStore(this.redis, this.keys, SWEEP_NODES, wait);
    }
    return this.runStore;
  }

  /**
   * Run `operation` on the command connection once it is ready (within connectTimeoutMs): a Redis
   * that is down or does not answer fails the call with RedisUnavailableError instead of leaving
   * it waiting, as does one that goes away during it.
   */
  withRedis<T>(operation: (redis: RedisClient) => Promise<T>): Promise<T> {
    const redis = this.redis;
    return withConnection(redis, this.config.connectTimeoutMs, async () => {
      await this.checkShards(redis);
      return operation(redis);
    });
  }

  /**
   * The first call that reaches Redis records the app's shard count for its prefix, or finds the
   * count recorded and refuses another (ShardCountError): with another count, runs would be
   * looked for in the wrong shards.
   */
  private checkShards(redis: RedisClient): Promise<void> {
    this.shardsChecked ??= checkShardCount(redis, this.keys).then(
      (done) => {
        // Not recorded (Redis was full): the next call tries again.
        if (!done) this.shardsChecked = null;
      },
      (error: unknown) => {
        this.shardsChecked = null;
        throw error;
      },
    );
    return this.shardsChecked;
  }

  /** Close the command connection, unless it is the caller's own instance. A later call opens a new one. */
  async close(): Promise<void> {
    const connection = this.commandConnection;
    this.commandConnection = null;
    this.runStore = null;
    if (connection && connection !== this.config.redis) await closeConnection(connection);
  }
}
