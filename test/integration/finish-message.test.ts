import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, chain, createApp, group } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';

/**
 * A run's finish message carries a small output's results (includes/run.lua finishMessage,
 * store/finish-message.ts), so that result() answers without reading them. On a private
 * redis-server watched with MONITOR: what the clients send is told from what scripts call.
 */
describe('the finish message', () => {
  let server: RedisServer;
  let admin: Redis;
  let monitor: Redis | null;
  let app: App;
  let sent: string[][];

  beforeEach(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    app = createApp({ redis: server.url, prefix: `finish-${randomUUID()}` });
    sent = [];
    monitor = await admin.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') sent.push(args.map(String));
    });
  });
  afterEach(async () => {
    monitor?.disconnect();
    await app.close();
    await admin.quit();
    await server.stop();
  });

  /** The commands other than scripts that clients sent naming `key`. */
  const sentFor = (key: string): string[] =>
    sent
      .filter((args) => args.includes(key))
      .map((args) => args[0]!.toLowerCase())
      .filter((command) => command !== 'evalsha' && command !== 'eval');

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Wait until MONITOR has reported every command Redis ran so far (its feed lags the replies). */
  async function monitored(): Promise<void> {
    const marker = randomUUID();
    await admin.echo(marker);
    await until(() => sent.some((args) => args.includes(marker)));
  }

  it('says the status and, for a small output, its results: result() reads the run once, before it finishes', async () => {
    const { identity } = canvasTasks(app);
    const run = await app.submit(chain(identity.si({ n: 1 }), group(identity.s(), identity.s())));
    const keys = new KeySpace(app.config.prefix).run(run.id);
    const channel = new KeySpace(app.config.prefix).runChannel(run.id);
    const listener = admin.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    await listener.subscribe(channel);
    const waiting = run.result({ timeoutMs: 10_000 });
    // The waiter has subscribed and read the run, which is still running (no worker yet).
    await until(() => sentFor(keys.run).includes('hgetall'));
    await app.worker().start();
    expect(await waiting).toEqual([{ n: 1 }, { n: 1 }]);
    await until(() => messages.length > 0);
    expect(messages).toEqual(['succeeded\n[{"n":1},{"n":1}]']);
    await monitored();
    // One read of the meta in all, and none of the results: the message answered.
    expect(sentFor(keys.run)).toEqual(['hgetall']);
    expect(sentFor(keys.results)).toEqual([]);
    listener.disconnect();
  });

  it('says the status alone when the output is large, and result() reads the results', async () => {
    const { identity } = canvasTasks(app);
    const large = 'x'.repeat(70_000);
    const run = await app.submit(identity.si(large));
    const keys = new KeySpace(app.config.prefix).run(run.id);
    const listener = admin.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    await listener.subscribe(new KeySpace(app.config.prefix).runChannel(run.id));
    const waiting = run.result({ timeoutMs: 10_000 });
    await until(() => sentFor(keys.run).includes('hgetall'));
    await app.worker().start();
    expect(await waiting).toBe(large);
    await until(() => messages.length > 0);
    expect(messages).toEqual(['succeeded']);
    await monitored();
    expect(sentFor(keys.results)).toEqual(['hmget']);
    listener.disconnect();
  });

  it('says failed or cancelled alone, and result() reads why', async () => {
    const { identity } = canvasTasks(app);
    const boom = app.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    const listener = admin.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, message: string) => messages.push(message));
    const failing = await app.submit(chain(identity.si(1), boom.si()));
    await listener.subscribe(new KeySpace(app.config.prefix).runChannel(failing.id));
    await app.worker().start();
    await expect(failing.result({ timeoutMs: 10_000 })).rejects.toThrow(/boom/);
    await until(() => messages.length > 0);
    expect(messages).toEqual(['failed']);
    listener.disconnect();
  });
});
