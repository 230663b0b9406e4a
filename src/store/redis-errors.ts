import { RedisFullError } from '../errors/index.js';

/**
 * The one place where Redis's error replies become typed errors, by the reply's code (its first
 * word: `OOM`, `NOSCRIPT`, `ERR`...), never by a phrase of its message.
 */

/** The code of a Redis error reply (`OOM` for "OOM command not allowed..."), or null for any other error. */
export function replyCode(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return null;
  return /^[A-Z][A-Z_-]*(?= |$)/.exec(error.message)?.[0] ?? null;
}

/** A reply Redis gives when it reached maxmemory (policy noeviction): the command wrote nothing. */
export function isOutOfMemory(error: unknown): boolean {
  return replyCode(error) === 'OOM';
}

/** The typed error for a Redis reply that has one (out of memory), else the error as it was. */
export function decodeRedisError(error: unknown, operation: string): unknown {
  if (isOutOfMemory(error)) return new RedisFullError(operation, { cause: error });
  return error;
}
