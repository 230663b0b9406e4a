import {
  type CeleriacError,
  NodeNotFoundError,
  NodeSkippedError,
  NodeAddedError,
  QueueKeysMissingError,
  RedisFullError,
  RunActiveError,
  RunDamagedError,
  RunExistsError,
  RunNotFoundError,
  ScriptArgumentsError,
  SubmitInterruptedError,
} from '../errors/index.js';

/**
 * The one place where Redis's error replies become typed errors, by the reply's code (its first
 * word: `OOM`, `NOSCRIPT`, `ERR`...), never by a phrase of its message. Our scripts' own replies
 * (`RUN_DAMAGED <run id> <what>`, `RUN_MISSING`...) are coded the same way, and each code maps
 * to one typed error in SCRIPT_ERRORS.
 */

/** The code of a Redis error reply (`OOM` for "OOM command not allowed..."), or null for any other error. */
export function replyCode(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return null;
  return /^[A-Z][A-Z_-]*(?= |$)/.exec(error.message)?.[0] ?? null;
}

/** What a script call was about, for the errors that name it (its declaration's `subject`). */
export interface ScriptErrorSubject {
  readonly runId?: string;
  readonly nodeId?: string;
}

/** One code a script replies with (redis.error_reply), the class it becomes and how. */
interface ScriptErrorMapping {
  readonly type: abstract new (...args: never[]) => CeleriacError;
  /** `detail`: what follows the code in the reply. */
  readonly build: (detail: string, script: string, subject: ScriptErrorSubject, cause: Error) => CeleriacError;
}

/**
 * Every code our scripts reply with, and its typed error. test/unit/redis-errors.test.ts reads
 * the Lua sources and fails for a code that is missing here.
 */
export const SCRIPT_ERRORS: Readonly<Record<string, ScriptErrorMapping>> = {
  RUN_MISSING: { type: RunNotFoundError, build: (_detail, _script, { runId = '?' }) => new RunNotFoundError(runId) },
  RUN_ACTIVE: { type: RunActiveError, build: (_detail, _script, { runId = '?' }) => new RunActiveError(runId) },
  NODE_MISSING: { type: NodeNotFoundError, build: (_detail, _script, { runId = '?', nodeId = '?' }) => new NodeNotFoundError(runId, nodeId) },
  NODE_SKIPPED: { type: NodeSkippedError, build: (_detail, _script, { runId = '?', nodeId = '?' }) => new NodeSkippedError(runId, nodeId) },
  NODE_ADDED: { type: NodeAddedError, build: (_detail, _script, { runId = '?', nodeId = '?' }) => new NodeAddedError(runId, nodeId) },
  RUN_EXISTS: { type: RunExistsError, build: (_detail, _script, { runId = '?' }) => new RunExistsError(runId) },
  // RUN_DAMAGED <run id> <what>: run ids hold no space (runIdSchema).
  RUN_DAMAGED: {
    type: RunDamagedError,
    build: (detail, _script, _subject, cause) => {
      const space = detail.indexOf(' ');
      return new RunDamagedError(detail.slice(0, space), detail.slice(space + 1), { cause });
    },
  },
  QUEUE_KEYS_MISSING: { type: QueueKeysMissingError, build: (detail, script, _subject, cause) => new QueueKeysMissingError(script, detail, { cause }) },
  // STAGING_INCOMPLETE <found> <expected>
  STAGING_INCOMPLETE: {
    type: SubmitInterruptedError,
    build: (detail, _script, { runId = '?' }) => {
      const [found, expected] = detail.split(' ').map(Number);
      return new SubmitInterruptedError(runId, expected ?? 0, found ?? 0);
    },
  },
  ARGUMENTS_INVALID: { type: ScriptArgumentsError, build: (detail, script, _subject, cause) => new ScriptArgumentsError(script, detail, { cause }) },
};

/**
 * The code and the rest of one of our scripts' error replies, or null for any other error. Redis
 * puts "ERR " before a reply of one word (RUN_MISSING): the code is then the word after it.
 */
function scriptReply(error: unknown): { readonly code: string; readonly detail: string } | null {
  const code = replyCode(error);
  if (code === null) return null;
  // A reply raised by error() mid-script (a node state that does not decode, node-state.lua) has
  // Redis's " script: <sha>, on @user_script:<line>." after it.
  const message = (error as Error).message.replace(/ script: [0-9a-f]{40}, on @user_script:\d+\.$/, '');
  const text = code === 'ERR' ? message.slice(4) : message;
  const space = text.indexOf(' ');
  const scriptCode = space < 0 ? text : text.slice(0, space);
  if (!Object.hasOwn(SCRIPT_ERRORS, scriptCode)) return null;
  return { code: scriptCode, detail: space < 0 ? '' : text.slice(space + 1) };
}

/** A reply Redis gives when it reached maxmemory (policy noeviction): the command wrote nothing. */
export function isOutOfMemory(error: unknown): boolean {
  return replyCode(error) === 'OOM';
}

const NO_SUBJECT: ScriptErrorSubject = {};

/**
 * The typed error for a reply: out of memory, or one of our scripts' codes (SCRIPT_ERRORS), for
 * the run and node of `subject`; else the error as it was (Redis's own, a lost connection...).
 */
export function decodeRedisError(error: unknown, operation: string, subject: ScriptErrorSubject = NO_SUBJECT): unknown {
  if (isOutOfMemory(error)) return new RedisFullError(operation, { cause: error });
  const reply = scriptReply(error);
  if (reply === null) return error;
  return SCRIPT_ERRORS[reply.code]!.build(reply.detail, operation, subject, error as Error);
}
