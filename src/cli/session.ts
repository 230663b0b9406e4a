import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { type App, createApp } from '../app.js';
import { newRedis, type RedisConnectionOptions } from '../config.js';
import {
  CeleriacError,
  ConfigError,
  NodeNotFoundError,
  RunExpiredError,
  RunNotFoundError,
} from '../errors/index.js';
import { checkRedisUrl } from './args.js';
import { CliError, EXIT } from './exit-codes.js';

export interface ConnectionOptions {
  readonly redis?: string;
  readonly prefix?: string;
  /** A PEM file of the CA that signed the server's certificate (with a rediss:// URL). */
  readonly tlsCa?: string;
}

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** --redis, else REDIS_URL, else the default; a malformed URL is a usage error naming where it came from. */
export function redisUrlOf(options: ConnectionOptions): string {
  if (options.redis !== undefined) return checkRedisUrl(options.redis, '--redis');
  const fromEnv = process.env.REDIS_URL;
  return fromEnv ? checkRedisUrl(fromEnv, 'REDIS_URL') : DEFAULT_REDIS;
}

/** --redis, with the CA of --tls-ca when given, as the app's `redis` option. */
export function redisOptionOf(options: ConnectionOptions): string | RedisConnectionOptions {
  const url = redisUrlOf(options);
  if (options.tlsCa === undefined) return url;
  if (!url.startsWith('rediss://')) throw new CliError(`--tls-ca needs a rediss:// URL (got ${displayUrl(url)})`, EXIT.usage);
  let ca: Buffer;
  try {
    ca = readFileSync(options.tlsCa);
  } catch (error) {
    throw new CliError(`cannot read --tls-ca ${options.tlsCa}: ${error instanceof Error ? error.message : String(error)}`, EXIT.usage);
  }
  return { url, tls: { ca } };
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
 * Fail fast, in one line, when Redis cannot be reached (ioredis would otherwise retry for a
 * while). Probes with the app's own settings: credentials, TLS and CA included.
 */
export async function ensureReachable(redis: string | RedisConnectionOptions | Redis): Promise<void> {
  const once = { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 };
  const probe = newRedis(redis, once);
  // What to name in the message: the URL when there is one, else where the options point.
  const url =
    typeof redis === 'string' ? redis : (redis instanceof Redis ? undefined : redis.url) ?? `${probe.options.host}:${probe.options.port}`;
  // The socket's own error says why ("connect ECONNREFUSED ..."); connect() only says it closed.
  let socketError: Error | null = null;
  probe.on('error', (error: Error) => (socketError ??= error));
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const reason = (socketError as Error | null)?.message ?? (error instanceof Error ? error.message : String(error));
    throw new CliError(`cannot reach Redis at ${displayUrl(url)}: ${reason} (set --redis or REDIS_URL)`, EXIT.unavailable);
  } finally {
    probe.disconnect();
  }
}

/** An app for the admin commands: no tasks needed to read and steer runs. */
export async function openApp(options: ConnectionOptions): Promise<App> {
  const redis = redisOptionOf(options);
  await ensureReachable(redis);
  try {
    return createApp({ redis, ...(options.prefix ? { prefix: options.prefix } : {}) });
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
  if (error instanceof CeleriacError) return new CliError(`${error.code}: ${error.message}`, EXIT.software);
  const message = error instanceof Error ? error.message : String(error);
  return new CliError(message, EXIT.software);
}
