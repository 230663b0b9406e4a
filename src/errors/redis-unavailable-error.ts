import { CeleriacError } from './celeriac-error.js';

/**
 * No usable connection to Redis was made within `connectTimeoutMs` (nothing listens there, the
 * server does not answer, or it refused every attempt). Names the server as host:port (never its
 * credentials); `cause` is the last attempt's error, when there was one.
 */
export class RedisUnavailableError extends CeleriacError {
  readonly code = 'REDIS_UNAVAILABLE';
  /** host:port (or the Unix socket path) that was tried. */
  readonly endpoint: string;
  readonly timeoutMs: number;

  constructor(endpoint: string, timeoutMs: number, options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`Redis at ${endpoint} did not answer within ${timeoutMs} ms (connectTimeoutMs)${cause}`, options);
    this.endpoint = endpoint;
    this.timeoutMs = timeoutMs;
  }
}
