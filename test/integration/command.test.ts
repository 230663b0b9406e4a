import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { sendFlat } from '../../src/store/command.js';
import { redisUrl, useRedis } from '../helpers/apps.js';

/** sendFlat: a command whose arguments are a flat list of strings, without ioredis's flattening. */
describe('sendFlat', () => {
  const redis = useRedis();
  const extra: Redis[] = [];
  afterEach(async () => {
    await Promise.all(extra.splice(0).map((client) => client.quit()));
  });

  it('sends the arguments as given and replies with strings, like ioredis\'s own methods', async () => {
    const key = `command-test:${randomUUID()}`;
    expect(await sendFlat(redis(), 'hset', [key, 'a', '1', 'b', '[2]'])).toBe(2);
    expect(await redis().hgetall(key)).toEqual({ a: '1', b: '[2]' });
    // Nested replies come back as strings too (the scripts' replies are read as such).
    const reply = await sendFlat(redis(), 'eval', ["return {KEYS[1], {ARGV[1], 'x'}}", '1', key, 'é']);
    expect(reply).toEqual([key, ['é', 'x']]);
    await expect(sendFlat(redis(), 'hget', [key])).rejects.toThrow(/wrong number of arguments/);
    await redis().del(key);
  });

  it('leaves a connection with a keyPrefix to ioredis, which prefixes the keys', async () => {
    const prefix = `command-test:${randomUUID()}:`;
    const prefixed = new Redis(redisUrl(), { keyPrefix: prefix });
    extra.push(prefixed);
    expect(await sendFlat(prefixed, 'hset', ['hash', 'a', '1'])).toBe(1);
    expect(await redis().hget(`${prefix}hash`, 'a')).toBe('1');
    expect(await redis().exists('hash')).toBe(0);
    await redis().del(`${prefix}hash`);
  });
});
