import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Command, Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedis } from '../helpers/apps.js';
import { freePort } from '../helpers/redis-server.js';

/**
 * What celeriac relies on in ioredis beyond its documented API, held to the installed version.
 * On an upgrade the pin fails first: re-check each behaviour below against the new version's
 * source (built/Command.js, built/Redis.js), then move the pin.
 */
const PINNED_IOREDIS = '5.11.1';

const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('ioredis internals celeriac relies on (pinned to ioredis ' + PINNED_IOREDIS + ')', () => {
  const redis = useRedis();
  const extra: Redis[] = [];
  afterEach(() => {
    for (const client of extra.splice(0)) client.disconnect();
  });

  it('the installed and locked ioredis is the version these behaviours were checked on', () => {
    const installed = readJson('../../node_modules/ioredis/package.json').version;
    const lock = readJson('../../package-lock.json') as { packages: Record<string, { version?: string }> };
    const range = (readJson('../../package.json').dependencies as Record<string, string>).ioredis;
    expect(installed, 'node_modules/ioredis changed: re-check the behaviours in this file').toBe(PINNED_IOREDIS);
    expect(lock.packages['node_modules/ioredis']?.version, 'package-lock.json ioredis changed').toBe(PINNED_IOREDIS);
    expect(range, 'package.json ioredis range changed').toBe('^5.8.2');
  });

  // src/store/command.ts (sendFlat): a Command made with no arguments, then given its argument
  // list, sends that list as is. The constructor transforms and stringifies arguments at once,
  // so the list assigned after it is neither copied nor converted.
  it('Command.args assigned after construction is what is sent, untransformed', async () => {
    const key = `contract:${randomUUID()}`;
    const command = new Command('hset', [], { replyEncoding: 'utf8' });
    expect(command.args).toEqual([]);
    const args = [key, 'a', '1', 'b', '[2]'];
    command.args = args;
    expect(await redis().sendCommand(command)).toBe(2);
    // The same array object: nothing copied or rewritten it.
    expect(command.args).toBe(args);
    expect(await redis().hgetall(key)).toEqual({ a: '1', b: '[2]' });
    await redis().del(key);
  });

  // src/config.ts: a certificate that fails verification fails the waiting commands through
  // recoverFromFatalError (the method ioredis uses for a refused AUTH): it rejects every queued
  // command with the error given, emits it as 'error', and reconnecting goes on.
  it('recoverFromFatalError rejects the waiting commands with the error given, emits it, and keeps reconnecting', async () => {
    const port = await freePort();
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 20, lazyConnect: false });
    extra.push(client);
    const emitted: unknown[] = [];
    client.on('error', (error: unknown) => emitted.push(error));
    const waiting = client.get('anything').catch((error: unknown) => error);
    const fatal = new Error('certificate refused');
    client.recoverFromFatalError(fatal, fatal, {});
    expect(await waiting).toBe(fatal);
    expect(emitted).toContain(fatal);
    // Still trying: a fixed server (or certificate) is picked up without a new client.
    expect(['connecting', 'reconnecting']).toContain(client.status);
  });
});
