import { type AppConfig, connect } from './config.js';
import { ConfigError } from './errors/index.js';
import { EventStream } from './run/event-stream.js';
import { formatStreamPosition, lastEntryId, parseStreamPosition } from './store/events.js';
import type { KeySpace } from './store/keys.js';
import { isCluster, type RedisClient } from './store/redis-client.js';
import { describeZodError } from './util/zod.js';
import type { AppConnection } from './app-connection.js';
import { type EventsOptions, runIdSchema } from './app-options.js';

/** What app.events() needs of its app. */
export interface EventsHost {
  readonly config: AppConfig;
  readonly keys: KeySpace;
  readonly connection: AppConnection;
}

/** The newest entry of every shard's event stream, in shard order. */
function lastEntryIds(redis: RedisClient, keys: KeySpace): Promise<string[]> {
  return Promise.all(keys.shards.map((shard) => lastEntryId(redis, shard.events)));
}

/** app.events(): the options checked, then a stream that reads from their position on. */
export function openEventStream(host: EventsHost, options: EventsOptions, onClose: (stream: EventStream) => void): EventStream {
  const where = 'app.events()';
  if (typeof options !== 'object' || options === null) throw new ConfigError(where, 'options must be an object');
  const { runId, after, signal } = options;
  if (runId !== undefined) {
    const parsed = runIdSchema.safeParse(runId);
    if (!parsed.success) throw new ConfigError(where, describeZodError(parsed.error, 'options.runId'));
  }
  const { keys } = host;
  const shardCount = keys.shards.length;
  const position = after === undefined ? null : typeof after === 'string' ? parseStreamPosition(after, shardCount) : null;
  if (after !== undefined && !position) {
    const shape = shardCount === 1 ? '"<ms>-<seq>-<index>"' : `${shardCount} comma-separated stream positions, one per shard`;
    throw new ConfigError(where, `options.after must be an event id or cursor (${shape}) or "0-0" for the start, not ${JSON.stringify(after)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new ConfigError(where, 'options.signal must be an AbortSignal');
  const stream: EventStream = new EventStream({
    connect: () => connect(host.config, true, 'events-stream'),
    connectTimeoutMs: host.config.connectTimeoutMs,
    readNow: () => host.connection.withRedis((redis) => lastEntryIds(redis, keys)),
    keys: keys.shards.map((shard) => shard.events),
    // A run's events are all in its shard's stream.
    follow: runId !== undefined ? [keys.shardOf(runId)] : keys.shards.map((shard) => shard.index),
    separateReads: isCluster(host.connection.redis),
    after: position,
    ...(runId !== undefined ? { runId } : {}),
    ...(signal !== undefined ? { signal } : {}),
    onClose: () => onClose(stream),
  });
  return stream;
}

/** app.eventPosition(): where every shard's event stream stands now, as one cursor. */
export function readEventPosition(host: EventsHost): Promise<string> {
  return host.connection.withRedis(async (redis) => formatStreamPosition((await lastEntryIds(redis, host.keys)).map((entry) => ({ entry }))));
}
