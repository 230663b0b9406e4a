import { QueueKeysMissingError, RedisFullError, RunDamagedError } from '../errors/index.js';

/**
 * The one place where Redis's error replies become typed errors, by the reply's code (its first
 * word: `OOM`, `NOSCRIPT`, `ERR`...), never by a phrase of its message. Our scripts' own replies
 * (`RUN_DAMAGED <run id> <what>`, `RUN_MISSING`...) are coded the same way.
 */

/** The code of a Redis error reply (`OOM` for "OOM command not allowed..."), or null for any other error. */
export function replyCode(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return null;
  return /^[A-Z][A-Z_-]*(?= |$)/.exec(error.message)?.[0] ?? null;
}

/** The codes our scripts reply with (redis.error_reply), and what follows each code. */
const SCRIPT_CODES = new Set(['RUN_MISSING', 'RUN_ACTIVE', 'NODE_MISSING', 'RUN_DAMAGED', 'QUEUE_KEYS_MISSING', 'RUN_EXISTS', 'STAGING_INCOMPLETE']);

/**
 * The code and the rest of one of our scripts' error replies, or null for any other error. Redis
 * puts "ERR " before a reply of one word (RUN_MISSING): the code is then the word after it.
 */
export function scriptReply(error: unknown): { readonly code: string; readonly detail: string } | null {
  const code = replyCode(error);
  if (code === null) return null;
  // A reply raised by error() mid-script (a node state that does not decode, node-state.lua) has
  // Redis's " script: <sha>, on @user_script:<line>." after it.
  const message = (error as Error).message.replace(/ script: [0-9a-f]{40}, on @user_script:\d+\.$/, '');
  const text = code === 'ERR' ? message.slice(4) : message;
  const space = text.indexOf(' ');
  const scriptCode = space < 0 ? text : text.slice(0, space);
  if (!SCRIPT_CODES.has(scriptCode)) return null;
  return { code: scriptCode, detail: space < 0 ? '' : text.slice(space + 1) };
}

/** A reply Redis gives when it reached maxmemory (policy noeviction): the command wrote nothing. */
export function isOutOfMemory(error: unknown): boolean {
  return replyCode(error) === 'OOM';
}

/**
 * The typed error for a reply that carries all it needs (out of memory, a damaged run, a queue
 * whose keys were not passed), else the error as it was: RUN_MISSING, NODE_MISSING and
 * RUN_ACTIVE need the caller's run and node (RunStore maps them).
 */
export function decodeRedisError(error: unknown, operation: string): unknown {
  if (isOutOfMemory(error)) return new RedisFullError(operation, { cause: error });
  const reply = scriptReply(error);
  if (reply?.code === 'RUN_DAMAGED') {
    // RUN_DAMAGED <run id> <what>: run ids hold no space (runIdSchema).
    const space = reply.detail.indexOf(' ');
    return new RunDamagedError(reply.detail.slice(0, space), reply.detail.slice(space + 1), { cause: error });
  }
  if (reply?.code === 'QUEUE_KEYS_MISSING') return new QueueKeysMissingError(operation, reply.detail, { cause: error });
  return error;
}
