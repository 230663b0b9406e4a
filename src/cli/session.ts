import { readFileSync } from 'node:fs';
import { type App, createApp } from '../app.js';
import { DEFAULT_PREFIX, newRedis, type RedisConnectionOptions, type RedisSource } from '../config.js';
import { endpointOf, evictionPolicy, whenReady } from '../connection.js';
import { recordedShardCount } from '../store/shard-count.js';
import {
  CeleriacError,
  ConfigError,
  NodeNotFoundError,
  RedisEvictionPolicyError,
  RedisUnavailableError,
  RunExpiredError,
  RunNotFoundError,
} from '../errors/index.js';
import { checkRedisUrl } from './args.js';
import { CliError, EXIT } from './exit-codes.js';

export interface ConnectionOptions {
  readonly redis?: string;
  /** A Redis Cluster's nodes, "host:port,host:port" (instead of --redis). */
  readonly cluster?: string;
  readonly prefix?: string;
  /** A PEM file of the CA that signed the server's certificate (with a rediss:// URL). */
  readonly tlsCa?: string;
  /** How long to wait for Redis before giving up (the app's connectTimeoutMs). */
  readonly connectTimeout?: number;
}

/** The app's default connectTimeoutMs, for messages and the probe. */
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** A warning line on stderr. */
export function warn(message: string): void {
  process.stderr.write(`celeriac: WARNING: ${message}\n`);
}

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** --redis, else REDIS_URL, else the default; a malformed URL is a usage error naming where it came from. */
export function redisUrlOf(options: ConnectionOptions): string {
  if (options.redis !== undefined) return checkRedisUrl(options.redis, '--redis');
  const fromEnv = process.env.REDIS_URL;
  return fromEnv ? checkRedisUrl(fromEnv, 'REDIS_URL') : DEFAULT_REDIS;
}

/** "host:port,host:port" (--cluster or REDIS_CLUSTER) as a cluster's startup nodes; a malformed list is a usage error. */
function clusterNodesOf(text: string, where: string): { host: string; port: number }[] {
  return text.split(',').map((item) => {
    const match = /^(.+):(\d{1,5})$/.exec(item.trim());
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new CliError(`${where}: "${item}" is not host:port; expected a list like 10.0.0.5:7000,10.0.0.6:7000`, EXIT.usage);
    }
    return { host: match[1]!, port };
  });
}

/**
 * The app's `redis` option: a cluster from --cluster or REDIS_CLUSTER, else --redis (or
 * REDIS_URL), with the CA of --tls-ca when given.
 */
export function redisOptionOf(options: ConnectionOptions): RedisSource {
  const clusterText = options.cluster ?? (options.redis === undefined ? process.env.REDIS_CLUSTER : undefined);
  if (clusterText !== undefined && clusterText !== '') {
    if (options.redis !== undefined) throw new CliError('give --redis or --cluster, not both', EXIT.usage);
    const cluster = clusterNodesOf(clusterText, options.cluster !== undefined ? '--cluster' : 'REDIS_CLUSTER');
    return options.tlsCa === undefined ? { cluster } : { cluster, clusterOptions: { redisOptions: { tls: { ca: readCa(options.tlsCa) } } } };
  }
  return singleRedisOf(options);
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read --tls-ca ${file}: ${error instanceof Error ? error.message : String(error)}`, EXIT.usage);
  }
}

function singleRedisOf(options: ConnectionOptions): string | RedisConnectionOptions {
  const url = redisUrlOf(options);
  if (options.tlsCa === undefined) return url;
  if (!url.startsWith('rediss://')) throw new CliError(`--tls-ca needs a rediss:// URL (got ${displayUrl(url)})`, EXIT.usage);
  return { url, tls: { ca: readCa(options.tlsCa) } };
}

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Wait (up to --connect-timeout, the app's connectTimeoutMs) for Redis, with the app's own
 * settings (credentials, TLS and CA included), and fail in one line when it cannot be reached.
 * Warns when Redis may evict keys.
 */
export async function ensureReachable(redis: RedisSource, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS, prefix?: string): Promise<number | null> {
  const probe = newRedis(redis, { lazyConnect: true, maxRetriesPerRequest: 0 });
  // What to name in the message: the URL when there is one, else where the options point.
  const url = typeof redis === 'string' ? redis : (typeof redis === 'object' && 'url' in redis ? redis.url : undefined) ?? endpointOf(probe);
  probe.on('error', () => undefined);
  try {
    await whenReady(probe, { timeoutMs });
    const policy = await evictionPolicy(probe);
    if (policy !== null && policy !== 'noeviction') warn(new RedisEvictionPolicyError(endpointOf(probe), policy).message);
    return prefix === undefined ? null : await recordedShardCount(probe, prefix);
  } catch (error) {
    // The last attempt's own error says why ("connect ECONNREFUSED ..."); a refusal or a
    // certificate error comes as it is.
    const cause = error instanceof RedisUnavailableError ? error.cause : error;
    const reason = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
    if (typeof redis === 'object' && 'cluster' in redis && Array.isArray(redis.cluster)) {
      // The nodes it was told of: before it reaches one, the client knows no other.
      const nodes = redis.cluster.map(({ host, port }) => `${host}:${port}`).join(', ');
      throw new CliError(`cannot reach the Redis Cluster at ${nodes}: ${reason} (set --cluster or REDIS_CLUSTER)`, EXIT.unavailable);
    }
    throw new CliError(`cannot reach Redis at ${displayUrl(url)}: ${reason} (set --redis or REDIS_URL)`, EXIT.unavailable);
  } finally {
    probe.disconnect();
  }
}

/** An app for the admin commands: no tasks needed to read and steer runs. */
export async function openApp(options: ConnectionOptions): Promise<App> {
  const redis = redisOptionOf(options);
  const prefix = options.prefix ?? process.env.CELERIAC_PREFIX ?? DEFAULT_PREFIX;
  // The admin commands follow the shard count the prefix was created with (none yet: the default).
  const shards = await ensureReachable(redis, options.connectTimeout, prefix);
  try {
    return createApp({
      redis,
      ...(options.prefix ? { prefix: options.prefix } : {}),
      ...(shards !== null ? { shards } : {}),
      ...(options.connectTimeout !== undefined ? { connectTimeoutMs: options.connectTimeout } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** Map what a command threw to a one-line message and an exit code. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof RunNotFoundError || error instanceof RunExpiredError || error instanceof NodeNotFoundError) {
    return new CliError(error.message, EXIT.notFound);
  }
  if (error instanceof ConfigError) return new CliError(error.message, EXIT.usage);
  if (error instanceof RedisUnavailableError) return new CliError(`${error.code}: ${error.message}`, EXIT.unavailable);
  if (error instanceof CeleriacError) return new CliError(`${error.code}: ${error.message}`, EXIT.software);
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(message, EXIT.software);
}
