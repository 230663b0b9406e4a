import { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './store/redis-client.js';
import { isCertificateError } from './config.js';
import { RedisUnavailableError } from './errors/index.js';
import { replyCode } from './store/redis-errors.js';

/**
 * Waiting for a connection to be usable, within a bound. ioredis alone never gives up: a server
 * that accepts TCP but never answers (stopped, swapping) leaves every command waiting forever,
 * and a refused port only fails commands after 20 reconnects. Everything that needs Redis first
 * waits here, so that it fails with RedisUnavailableError within `connectTimeoutMs` instead.
 */

/** Where a connection points, for messages: host:port or the socket path, never credentials. */
export function endpointOf(connection: RedisClient): string {
  if (connection instanceof Cluster) {
    const nodes = connection.nodes('master');
    const named = nodes.length > 0 ? nodes.map((node) => `${node.options.host ?? 'localhost'}:${node.options.port ?? 6379}`) : ['(no node reached yet)'];
    return `the Redis Cluster at ${named.join(', ')}`;
  }
  const { host, port, path } = connection.options;
  return path ? path : `${host ?? 'localhost'}:${port ?? 6379}`;
}

/** Longest one attempt may take from TCP connect to ready before it counts as failed and is retried. */
const MAX_ATTEMPT_MS = 2000;
const MIN_ATTEMPT_MS = 100;

/** Replies to the handshake that say the credentials are wrong or lack a permission. */
const REFUSALS: ReadonlySet<string> = new Set(['NOAUTH', 'WRONGPASS', 'NOPERM']);

/**
 * An attempt that failed in a way no retry can fix until the configuration changes: the server
 * refused the credentials, or its certificate failed verification. Anything else is retried
 * (a refused or reset connection, a name that does not resolve yet, "max number of clients").
 */
function isConfigurationError(error: Error): boolean {
  return REFUSALS.has(replyCode(error) ?? '') || isCertificateError(error);
}

/** Calls waiting for the same connection share one wait, so that a stalled attempt is abandoned once. */
const waiting = new WeakMap<RedisClient, Promise<void>>();

export interface ReadyOptions {
  /** Give up after this long (the app's connectTimeoutMs). */
  readonly timeoutMs: number;
  /** Told of each failed attempt (refused, reset, or no answer in time) while waiting. */
  readonly onAttemptFailed?: (error: Error) => void;
}

/**
 * Resolves once `connection` is ready (at once if it is), connecting a lazy one. Rejects with
 * RedisUnavailableError when it is not ready within `timeoutMs`, or when ioredis stops trying;
 * with the server's refusal or the certificate error at once (isConfigurationError).
 * The connection itself keeps reconnecting; a later call waits again.
 */
export function whenReady(connection: RedisClient, options: ReadyOptions): Promise<void> {
  if (connection.status === 'ready') return Promise.resolve();
  let wait = waiting.get(connection);
  if (!wait) {
    wait = waitForReady(connection, options).finally(() => waiting.delete(connection));
    waiting.set(connection, wait);
  } else if (options.onAttemptFailed) {
    // Rare (two waits on a worker's private connection): this caller hears of the failures too.
    const listener = options.onAttemptFailed;
    connection.on('error', listener);
    void wait.finally(() => connection.off('error', listener)).catch(() => undefined);
  }
  return wait;
}

function waitForReady(connection: RedisClient, { timeoutMs, onAttemptFailed }: ReadyOptions): Promise<void> {
  const endpoint = endpointOf(connection);
  const attemptMs = Math.min(MAX_ATTEMPT_MS, Math.max(MIN_ATTEMPT_MS, Math.floor(timeoutMs / 4)));
  return new Promise<void>((resolve, reject) => {
    let lastError: Error | undefined;
    let attemptTimer: NodeJS.Timeout | undefined;
    const failed = (error: Error): void => {
      lastError = error;
      onAttemptFailed?.(error);
      if (!isConfigurationError(error)) return;
      // Said as Redis or TLS said it: waiting longer would only hide it.
      cleanUp();
      reject(error);
    };
    // TCP is up but the handshake (AUTH, ready check) gets no answer: abandon this attempt and
    // let ioredis start a fresh one, so that a server that wakes up is found.
    const stalled = (): void => {
      failed(new Error(`Redis at ${endpoint} accepted the connection but did not answer within ${attemptMs} ms`));
      // Destroyed, not ended: a stopped server never acknowledges an end, so the socket would
      // never close and ioredis never try again (disconnect(true) only ends it).
      if (connection.status === 'connect' && connection instanceof Redis) connection.stream.destroy();
    };
    const onConnect = (): void => {
      clearTimeout(attemptTimer);
      attemptTimer = setTimeout(stalled, attemptMs);
    };
    const onReady = (): void => {
      cleanUp();
      resolve();
    };
    // ioredis gave up (its retryStrategy returned no delay) or the connection was closed.
    const onEnd = (): void => {
      cleanUp();
      reject(new RedisUnavailableError(endpoint, timeoutMs, { cause: lastError ?? new Error('the connection was closed') }));
    };
    const deadline = setTimeout(() => {
      cleanUp();
      reject(new RedisUnavailableError(endpoint, timeoutMs, lastError ? { cause: lastError } : undefined));
    }, timeoutMs);
    const cleanUp = (): void => {
      clearTimeout(deadline);
      clearTimeout(attemptTimer);
      connection.off('error', failed);
      connection.off('connect', onConnect);
      connection.off('ready', onReady);
      connection.off('end', onEnd);
    };
    connection.on('error', failed);
    connection.on('connect', onConnect);
    connection.on('ready', onReady);
    connection.on('end', onEnd);
    if (connection.status === 'connect') onConnect();
    else if (connection.status === 'end') onEnd();
    // A lazyConnect connection nobody has used yet.
    else if (connection.status === 'wait') connection.connect().catch(() => undefined);
  });
}

/**
 * Run `operation` once `connection` is ready (whenReady), and say a command that ioredis gave up
 * on after its reconnect attempts (RedisClient went away meanwhile: maxRetriesPerRequest on a
 * non-persistent connection) as RedisUnavailableError too. Such a command was never sent.
 */
export async function withConnection<T>(connection: RedisClient, timeoutMs: number, operation: () => Promise<T>): Promise<T> {
  await whenReady(connection, { timeoutMs });
  try {
    return await operation();
  } catch (error) {
    if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') {
      throw new RedisUnavailableError(endpointOf(connection), timeoutMs, { cause: error });
    }
    throw error;
  }
}

/** Longest closeConnection() waits for QUIT's reply before dropping the connection. */
const QUIT_TIMEOUT_MS = 2000;

/**
 * Close a connection without waiting on a server that is not there: QUIT when it is ready
 * (replies still pending arrive first), for at most a moment; else, or then, drop it.
 */
export async function closeConnection(connection: RedisClient): Promise<void> {
  if (connection.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS)));
    await Promise.race([connection.quit().catch(() => undefined), gaveUp]);
    clearTimeout(timer);
  }
  connection.disconnect();
}

/**
 * Redis's `maxmemory-policy`, or null when it cannot be read (a user whose ACL refuses INFO, or a
 * managed Redis that hides it): then nothing is said. INFO, not CONFIG GET: the ACL that
 * docs/security.md gives allows INFO (ioredis's ready check needs it) but not CONFIG.
 */
export async function evictionPolicy(connection: RedisClient): Promise<string | null> {
  try {
    const info = await connection.info('memory');
    return /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? null;
  } catch {
    return null;
  }
}
