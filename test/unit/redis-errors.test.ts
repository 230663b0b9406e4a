import { describe, expect, it } from 'vitest';
import { RedisFullError } from '../../src/errors/index.js';
import { decodeRedisError, replyCode } from '../../src/store/redis-errors.js';

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
