import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CeleriacError, NodeNotFoundError, QueueKeysMissingError, RedisFullError, RunDamagedError, SubmitInterruptedError } from '../../src/errors/index.js';
import { SCRIPT_ERRORS, decodeRedisError, replyCode } from '../../src/store/redis-errors.js';

/** An error shaped as ioredis gives a Redis error reply (its ReplyError's name). */
function reply(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('Redis error replies', () => {
  it('are recognised by their code, the first word of the reply', () => {
    expect(replyCode(reply("OOM command not allowed when used memory > 'maxmemory'."))).toBe('OOM');
    expect(replyCode(reply('NOSCRIPT No matching script. Please use EVAL.'))).toBe('NOSCRIPT');
    expect(replyCode(reply('WRONGPASS invalid username-password pair or user is disabled.'))).toBe('WRONGPASS');
    // Not a reply (a socket error whose text happens to start the same way), or no code at all.
    expect(replyCode(new Error('OOM command not allowed'))).toBeNull();
    expect(replyCode(reply('something went wrong'))).toBeNull();
    expect(replyCode('OOM')).toBeNull();
  });

  it('an OOM reply becomes RedisFullError naming the operation; anything else is left as it was', () => {
    const oom = reply("OOM command not allowed when used memory > 'maxmemory'. script: 1234, on @user_script:12.");
    const decoded = decodeRedisError(oom, 'start-nodes');
    expect(decoded).toBeInstanceOf(RedisFullError);
    expect(decoded).toMatchObject({ code: 'REDIS_FULL', operation: 'start-nodes', cause: oom });
    const other = reply('ERR unknown command');
    expect(decodeRedisError(other, 'claim')).toBe(other);
  });
});

const scriptsDirectory = new URL('../../src/store/scripts/', import.meta.url);

/** Every Lua source: the scripts and their includes. */
function luaSources(): { name: string; source: string }[] {
  const read = (directory: URL) =>
    readdirSync(directory)
      .filter((file) => file.endsWith('.lua'))
      .map((file) => ({ name: file, source: readFileSync(new URL(file, directory), 'utf8') }));
  return [...read(scriptsDirectory), ...read(new URL('includes/', scriptsDirectory))];
}

/**
 * The codes the Lua sources reply with: the literal that starts each redis.error_reply argument,
 * or a wrapper's (a local function that passes its parameter to redis.error_reply, as submit-run's
 * refuse). An error_reply of anything else fails: its code could not be checked.
 */
function errorCodes(): Map<string, string[]> {
  const codes = new Map<string, string[]>();
  for (const { name, source } of luaSources()) {
    const code = source.replace(/--\[\[[\s\S]*?\]\]|--[^\n]*/g, '');
    const wrappers = [...code.matchAll(/local function (\w+)\((\w+)\)[^]*?redis\.error_reply\(\2\)/g)].map((match) => match[1]!);
    const callers = ['redis\\.error_reply', ...wrappers].join('|');
    for (const match of code.matchAll(new RegExp(`(?:${callers})\\(([^)]*)`, 'g'))) {
      const argument = match[1]!.trim();
      if (wrappers.some((wrapper) => code.includes(`function ${wrapper}(${argument})`))) continue;
      const literal = /^'([A-Z][A-Z_]*)[ ']/.exec(argument);
      if (!literal) throw new Error(`${name}: redis.error_reply(${argument}) does not start with a literal code`);
      codes.set(literal[1]!, [...(codes.get(literal[1]!) ?? []), name]);
    }
  }
  return codes;
}

describe('script error codes', () => {
  it('every code a Lua script replies with maps to one typed CeleriacError', () => {
    const codes = errorCodes();
    // The reading of the sources found the codes we know are there.
    expect([...codes.keys()]).toEqual(expect.arrayContaining(['RUN_MISSING', 'RUN_DAMAGED', 'RUN_EXISTS', 'STAGING_INCOMPLETE', 'QUEUE_KEYS_MISSING']));
    for (const [code, files] of codes) {
      const mapping = SCRIPT_ERRORS[code];
      expect(mapping, `${code} (${files.join(', ')}) has no typed error in SCRIPT_ERRORS`).toBeDefined();
      const decoded = decodeRedisError(reply(`${code} r1 detail`), 'some-script', { runId: 'r1', nodeId: 'n1' });
      expect(decoded).toBeInstanceOf(mapping!.type);
      expect(decoded).toBeInstanceOf(CeleriacError);
    }
    // And the table names no code that no script raises.
    expect(Object.keys(SCRIPT_ERRORS).sort()).toEqual([...codes.keys()].sort());
  });

  it('keeps what the reply and the call say: run, node, queue, counts', () => {
    expect(decodeRedisError(reply('RUN_DAMAGED r1 its meta is malformed'), 'repair-run')).toMatchObject({ runId: 'r1', reason: 'its meta is malformed' });
    expect(decodeRedisError(reply('RUN_DAMAGED r1 x'), 'repair-run')).toBeInstanceOf(RunDamagedError);
    expect(decodeRedisError(reply('QUEUE_KEYS_MISSING other'), 'cancel-run')).toEqual(expect.any(QueueKeysMissingError));
    expect(decodeRedisError(reply('QUEUE_KEYS_MISSING other'), 'cancel-run')).toMatchObject({ operation: 'cancel-run', queue: 'other' });
    // A one-word reply comes with Redis's "ERR " before it.
    expect(decodeRedisError(reply('ERR NODE_MISSING'), 'reopen-run', { runId: 'r1', nodeId: '7' })).toEqual(new NodeNotFoundError('r1', '7'));
    const interrupted = decodeRedisError(reply('STAGING_INCOMPLETE 3 10'), 'submit-run', { runId: 'r1' });
    expect(interrupted).toBeInstanceOf(SubmitInterruptedError);
    expect(interrupted).toMatchObject({ runId: 'r1', found: 3, expected: 10 });
  });
});
