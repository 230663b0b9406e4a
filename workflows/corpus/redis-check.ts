import { Redis } from 'ioredis';

/**
 * One PING on a throwaway connection that gives up quickly. The app's own connections are lazy
 * and retry for ever (right for a worker riding out an outage, wrong for "is Redis there at
 * all?"), so a missing server would otherwise show up as a hang.
 */
export async function checkRedis(url: string, timeoutMs = 2000): Promise<{ ok: true } | { ok: false; reason: string }> {
  let client: Redis | null = null;
  let timer: NodeJS.Timeout | undefined;
  // connect() rejects with a bare "Connection is closed."; the cause arrives as an 'error' event.
  let cause: Error | null = null;
  try {
    client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    // Without a listener ioredis would also print "Unhandled error event".
    client.on('error', (error: Error) => {
      cause ??= error;
    });
    const connection = client;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([connection.connect().then(() => connection.ping()), timeout]);
    return { ok: true };
  } catch (error) {
    const reported: unknown = cause ?? error;
    return { ok: false, reason: reported instanceof Error && reported.message ? reported.message : String(reported) };
  } finally {
    if (timer) clearTimeout(timer);
    client?.disconnect();
  }
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

/** The one-line explanation printed by the demo, worker and submitter when Redis is missing. */
export function redisMissingMessage(url: string, reason: string): string {
  return (
    `Cannot reach Redis at ${displayUrl(url)} (${reason}): the corpus demo needs a Redis server at REDIS_URL ` +
    `or 127.0.0.1:6379; start one with \`redis-server --daemonize yes\` (or set REDIS_URL) and try again.`
  );
}

/**
 * What both the demo and the submitter check before submitting: Redis answers, and the corpus
 * has files. Prints why not and returns null, else returns the corpus files.
 */
export async function preflight(redisUrl: string, listFiles: () => string[]): Promise<string[] | null> {
  const redis = await checkRedis(redisUrl);
  if (!redis.ok) {
    console.error(redisMissingMessage(redisUrl, redis.reason));
    return null;
  }
  const files = listFiles();
  if (files.length === 0) {
    console.error('The corpus folder (workflows/corpus/data) has no .txt files.');
    return null;
  }
  return files;
}

/** Said by the demo when nothing answers and it cannot start a private server either. */
export function noRedisServerMessage(url: string, reason: string): string {
  return (
    `Cannot reach Redis at ${displayUrl(url)} (${reason}), and there is no redis-server on the PATH to start a ` +
    `private one. Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), ` +
    `or set REDIS_URL to a running server, and try again.`
  );
}
