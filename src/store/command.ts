import { Command } from 'ioredis';
import type { RedisClient } from './redis-client.js';

/**
 * Send one command whose arguments are already a flat list of strings, through ioredis's public
 * Command and sendCommand. ioredis's command methods (redis.evalsha(...), redis.hset(...)) pass
 * their arguments through Array.prototype.flat, a cost per argument that a chain hop pays on
 * every call and a large submit's staging HSETs pay thousands of times. Here the command is made
 * empty and given the list as is: the strings need none of the conversions ioredis would apply.
 * Assigning `args` after construction is not documented by ioredis: test/integration/
 * ioredis-contract.test.ts holds it to the pinned version.
 *
 * A connection with a keyPrefix goes through ioredis's own method, which prefixes the keys.
 */
export function sendFlat(redis: RedisClient, name: string, args: string[]): Promise<unknown> {
  if (redis.options.keyPrefix) return redis.call(name, args);
  const command = new Command(name, [], { replyEncoding: 'utf8' });
  command.args = args;
  return redis.sendCommand(command) as Promise<unknown>;
}
