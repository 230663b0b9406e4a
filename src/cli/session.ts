import { Redis } from 'ioredis';
import { type App, createApp } from '../app.js';
import {
  CeleriacError,
  ConfigError,
  NodeNotFoundError,
  RunExpiredError,
  RunNotFoundError,
} from '../errors/index.js';
import { CliError, EXIT } from './exit-codes.js';

export interface ConnectionOptions {
  readonly redis?: string;
  readonly prefix?: string;
}

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** What --redis means when it is not given. */
export function redisUrlOf(options: ConnectionOptions): string {
  return options.redis ?? process.env.REDIS_URL ?? DEFAULT_REDIS;
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

/** Fail fast, in one line, when Redis cannot be reached (ioredis would otherwise retry for a while). */
export async function ensureReachable(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
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
  const url = redisUrlOf(options);
  await ensureReachable(url);
  try {
    return createApp({ redis: url, ...(options.prefix ? { prefix: options.prefix } : {}) });
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
