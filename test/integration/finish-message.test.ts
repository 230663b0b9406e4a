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

  /** After a first result() here, the process's waiter channel is subscribed (in the background). */
  async function waiterChannelOpen(): Promise<void> {
    while (((await admin.pubsub('CHANNELS', `{${app.config.prefix}}:events:waiter:*`)) as string[]).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** The same app in another process, as far as this one can tell: its worker finishes the runs. */
  async function elsewhere(): Promise<App> {
    const other = createApp({ redis: server.url, prefix: app.config.prefix });
    canvasTasks(other);
    other.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    await other.worker().start();
    return other;
  }

  it('waits for a run submitted after a first result() here on the waiter channel: no SUBSCRIBE, read or UNSUBSCRIBE of its own', async () => {
    const { identity } = canvasTasks(app);
    const other = await elsewhere();
    expect(await (await app.submit(identity.si(1))).result({ timeoutMs: 10_000 })).toBe(1);
    await waiterChannelOpen();
    sent = [];
    const run = await app.submit(identity.si({ n: 2 }));
    expect(await run.result({ timeoutMs: 10_000 })).toEqual({ n: 2 });
    await monitored();
    const keys = new KeySpace(app.config.prefix);
    // The scripts name the run's channel (they publish on it); nothing else does.
    const naming = sent.filter((args) => args.includes(keys.runChannel(run.id))).map((args) => args[0]!.toLowerCase());
    expect(naming.filter((command) => command !== 'evalsha')).toEqual([]);
    expect(naming.length).toBeGreaterThan(0);
    expect(sentFor(keys.run(run.id).run)).toEqual([]);
    expect(sentFor(keys.run(run.id).results)).toEqual([]);
    await other.close();
  });

  it('keeps a finish that came before result() was called, and answers from it', async () => {
    const { identity } = canvasTasks(app);
    const other = await elsewhere();
    await (await app.submit(identity.si(1))).result({ timeoutMs: 10_000 });
    await waiterChannelOpen();
    const run = await app.submit(identity.si('early'));
    const meta = new KeySpace(app.config.prefix).run(run.id).run;
    while ((await admin.hget(meta, 'status')) !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 5));
    await monitored();
    sent = [];
    expect(await run.result({ timeoutMs: 10_000 })).toBe('early');
    await monitored();
    expect(sentFor(meta)).toEqual([]);
    await other.close();
  });

  it('reads why a run failed when the waiter channel says so', async () => {
    const { identity } = canvasTasks(app);
    app.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    const other = await elsewhere();
    await (await app.submit(identity.si(1))).result({ timeoutMs: 10_000 });
    await waiterChannelOpen();
    const failing = await app.submit(chain(identity.si(1), app.signature('boom', [], { immutable: true })));
    await expect(failing.result({ timeoutMs: 10_000 })).rejects.toThrow(/boom/);
    await other.close();
  });

  it('still answers when the connection of the waiter channel was killed while a run finished', async () => {
    const { identity } = canvasTasks(app);
    const first = await app.submit(identity.si(1));
    const other = await elsewhere();
    await first.result({ timeoutMs: 10_000 });
    await waiterChannelOpen();
    await other.close();
    const run = await app.submit(identity.si(42));
    const waiting = run.result({ timeoutMs: 15_000 });
    const list = String(await admin.client('LIST'));
    const subscriber = list.split('\n').find((line) => line.includes(`name=celeriac:${app.config.prefix}:events`));
    const id = /\bid=(\d+)/.exec(subscriber ?? '')?.[1];
    expect(Number(await admin.client('KILL', 'ID', id!))).toBe(1);
    // The run finishes while the subscriber may still be reconnecting: its message may be lost.
    const again = await elsewhere();
    expect(await waiting).toBe(42);
    await again.close();
  });

  it('a copy of an earlier finish delivered late is ignored after a rerun: result() answers with the rerun\'s value', async () => {
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    let value = 1;
    const gated = app.task({ name: 'gated' }, async () => {
      await gate;
      return value;
    });
    const worker = app.worker({ concurrency: 2 });
    await worker.start();
    const run = await app.submit(gated.si());
    expect(await run.result({ timeoutMs: 10_000 })).toBe(1);
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    value = 2;
    await run.rerun({ from: '0' });
    // Another handle, waiting the per-run way: it reads the run (reopened once, running), then a
    // stale copy of the first finish arrives on the run's channel, as a slow cluster bus may deliver it.
    const waiting = app.getRun(run.id).result({ timeoutMs: 10_000 });
    const channel = new KeySpace(app.config.prefix).runChannel(run.id);
    for (let tries = 0; tries < 200 && Number((await admin.pubsub('NUMSUB', channel))[1]) < 1; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    await admin.publish(channel, 'succeeded\n[1]');
    release();
    expect(await waiting).toBe(2);
    // The handle that submitted it waits for the rerun too (its kept first finish was dropped).
    expect(await run.result({ timeoutMs: 10_000 })).toBe(2);
    await worker.close();
  });
});
