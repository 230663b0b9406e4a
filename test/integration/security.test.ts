import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  chain,
  ConfigError,
  createApp,
  group,
  RunNotFoundError,
  taskContext,
  WorkflowCancelledError,
  WorkflowFailedError,
} from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { aclLog, connectionRoles, useAppsOn } from '../helpers/private-apps.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';
import { makeCertificates, type TestCertificates, tlsSupport } from '../helpers/tls.js';
import { celeriac } from '../helpers/cli.js';

const RESULT = { timeoutMs: 10_000 };

/** Every role that opens a connection: the app's commands and result() subscriber, and a worker's three. */
const ALL_ROLES = ['commands', 'events', 'worker', 'worker-blocking', 'worker-events'];

/**
 * The ACL that docs/security.md and docs/reliability.md give, verbatim: the app's keys and channels, and only the
 * commands the engine sends (those its Lua scripts call included: Redis checks them too).
 */
const ACL_LINE =
  'ACL SETUSER celeriac reset on >change-me ~{myapp}:* ~{myapp:*}:* &{myapp}:* &{myapp:*}:* ' +
  '+ping +info +client|setname +evalsha +script|load +multi +exec +blpop +subscribe +unsubscribe +publish +time ' +
  '+del +exists +get +hdel +hexists +hget +hgetall +hincrby +hlen +hmget +hset +hsetnx +hvals +incr +incrby +llen +lpush +lrange +ltrim ' +
  '+persist +pexpire +pexpireat +rename +rpush +set +zadd +zcard +zpopmin +zrange +zrangebylex +zrangebyscore +zrem +zremrangebyscore ' +
  '+zrevrangebylex +zscore +xadd +xrange +xread +xrevrange';

describe('the redis option', () => {
  it('takes a url beside ioredis options, and refuses what cannot be meant', () => {
    const ca = '-----BEGIN CERTIFICATE-----';
    const app = createApp({ redis: { url: 'rediss://redis.internal:6380', password: 'secret', tls: { ca } } });
    expect(app.config.redis).toEqual({ url: 'rediss://redis.internal:6380', password: 'secret', tls: { ca } });
    const refused: [unknown, string][] = [
      [42, 'options.redis must be a URL string, ioredis options (optionally with a url) or an ioredis instance'],
      [{ url: 'http://redis.internal' }, 'options.redis.url must be a redis:// or rediss:// URL with a host'],
      [{ url: 42 }, 'options.redis.url must be a redis:// or rediss:// URL with a host'],
      [{ url: 'rediss://:one@h', password: 'two' }, 'options.redis: password is given both in url and as an option'],
      [{ url: 'redis://h:6380', port: 6381 }, 'options.redis: port is given both in url and as an option'],
      [{ url: 'redis://h', tls: { ca } }, 'options.redis: tls options need a rediss:// url'],
      [{ url: 'rediss://h', tls: true }, 'options.redis.tls must be Node TLS options'],
      [{ url: 'redis://h/queue' }, 'options.redis.url: the path must be a database number, not "/queue"'],
      [{ host: 'h', password: 7 }, 'options.redis.password must be a string'],
    ];
    for (const [redis, message] of refused) {
      const error = (() => {
        try {
          createApp({ redis: redis as string });
        } catch (caught) {
          return caught;
        }
        return null;
      })();
      expect(error, JSON.stringify(redis)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(`createApp(): ${message}`);
    }
  });
});

describe('a server with requirepass', () => {
  const password = `pass-${randomUUID()}`;
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedisServer([], { password });
    admin = new Redis(server.port, '127.0.0.1', { password });
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  const makeApp = useAppsOn(() => admin);

  it('an app with the password in its URL runs a canvas, on every connection it opens', async () => {
    const app = makeApp({ redis: `redis://:${password}@127.0.0.1:${server.port}` });
    const { add, tsum } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(chain(add.s(2, 2), group(add.s(1), add.s(2)), tsum.s()));
    expect(await run.result(RESULT)).toBe(11);
    expect(await connectionRoles(admin, app)).toEqual(ALL_ROLES);
  });

  it('the password may also sit beside the url', async () => {
    const app = makeApp({ redis: { url: server.url, password } });
    const { add } = canvasTasks(app);
    await app.worker().start();
    expect(await (await app.submit(add.s(20, 22))).result(RESULT)).toBe(42);
  });

  it('without the password, or with a wrong one, submit and worker.start fail with the server refusal', async () => {
    for (const [redis, refusal] of [
      [server.url, 'NOAUTH Authentication required.'],
      [`redis://:wrong@127.0.0.1:${server.port}`, 'WRONGPASS invalid username-password pair or user is disabled.'],
    ] as const) {
      const app = makeApp({ redis });
      const { add } = canvasTasks(app);
      await expect(app.submit(add.s(1, 2))).rejects.toThrow(refusal);
      await expect(app.worker().start()).rejects.toThrow(refusal);
      expect(await admin.keys(`{${app.config.prefix}}:*`)).toEqual([]);
    }
  });
});

describe('a user restricted by ACL to the app', () => {
  let server: RedisServer;
  let admin: Redis;
  let url: string;
  beforeAll(async () => {
    const password = `admin-${randomUUID()}`;
    server = await startRedisServer([], { password });
    admin = new Redis(server.port, '127.0.0.1', { password });
    await admin.call('ACL', ...ACL_LINE.split(' ').slice(1));
    url = `redis://celeriac:change-me@127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });
  const makeApp = useAppsOn(() => admin);

  it('is the line docs/security.md and docs/reliability.md give', () => {
    expect(readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8')).toContain(ACL_LINE);
    expect(readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8')).toContain(ACL_LINE);
  });

  it('runs everything the engine does end to end, and the server refuses it nothing', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    const app = makeApp({ redis: url, prefix: 'myapp', visibilityTimeoutMs: 300 });
    const { add, tsum } = canvasTasks(app);
    let flakyCalls = 0;
    const flaky = app.task({ name: 'flaky', retry: { attempts: 2 } }, async (value: number) => {
      if (++flakyCalls === 1) throw new Error('the first attempt fails');
      return value;
    });
    let gateOpen = false;
    const gate = app.task({ name: 'gate' }, async (value: number) => {
      if (!gateOpen) throw new Error('closed');
      return value;
    });
    let started!: () => void;
    const slowStarted = new Promise<void>((resolve) => (started = resolve));
    const slow = app.task({ name: 'slow' }, async (): Promise<number> => {
      const { signal } = taskContext();
      started();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return 0;
    });
    // Something that is not celeriac's message, for the worker to dead-letter.
    await admin.zadd(app.keys.shards[0]!.queue('default').ready, 0, 'not a celeriac message');
    await app.worker({ concurrency: 4, repairIntervalMs: 200 }).start();

    // Submit, a retry, the result, inspect, progress and a rerun.
    const run = await app.submit(chain(add.s(2, 2), group(add.s(1), add.s(2), flaky.s()), tsum.s()), { name: 'acl' });
    expect(await run.result(RESULT)).toBe(15);
    const inspection = await run.inspect();
    expect(inspection.nodes.map((node) => [node.task, node.status, node.attempts])).toEqual([
      ['add', 'succeeded', 1],
      ['add', 'succeeded', 1],
      ['add', 'succeeded', 1],
      ['flaky', 'succeeded', 2],
      ['tsum', 'succeeded', 1],
    ]);
    expect((await run.progress()).counts.succeeded).toBe(5);
    expect((await run.rerun({ from: '4' })).resetNodes).toBe(1);
    expect(await run.result(RESULT)).toBe(15);

    // A failure, then a resume.
    const gated = await app.submit(gate.s(7));
    await expect(gated.result(RESULT)).rejects.toThrow(WorkflowFailedError);
    gateOpen = true;
    expect((await gated.resume()).changed).toBe(true);
    expect(await gated.result(RESULT)).toBe(7);

    // A cancel reaching a running handler (pub/sub, then the lease check).
    const stopped = await app.submit(chain(slow.si(), add.s(1)));
    await slowStarted;
    expect(await stopped.cancel()).toMatchObject({ changed: true, runningNodes: 1 });
    await expect(stopped.result(RESULT)).rejects.toThrow(WorkflowCancelledError);

    const listed = await app.listRuns();
    expect(listed.runs.map((summary) => summary.id).sort()).toEqual([run.id, gated.id, stopped.id].sort());
    await expect(app.getRun('never-submitted').inspect()).rejects.toThrow(RunNotFoundError);
    // Queue counts and the oldest ready message (queue-stats.lua, then HGET of its node).
    expect((await app.queues()).map((queue) => queue.name)).toContain('default');

    // The event stream: read from its start, live (XREAD), and from now (XREVRANGE).
    const events = [];
    for await (const event of app.events({ runId: stopped.id, after: '0-0' })) {
      events.push(event);
      if (event.type === 'run.cancelled') break;
    }
    expect(events[0]).toMatchObject({ type: 'run.submitted' });
    const fromNow = app.events();
    await fromNow.return?.();
    // After an event id: the rest of its entry (XRANGE), then XREAD.
    const rest = app.events({ runId: stopped.id, after: events[0]!.id });
    expect((await rest.next()).value).toMatchObject({ id: events[1]!.id });
    await rest.return?.();

    // Dead letters, and the repair sweep: by hand, and by the worker (which takes a lock first).
    await vi.waitFor(async () => expect((await app.deadLetters()).counts).toEqual({ malformed: 1 }));
    expect(await app.clearDeadLetters()).toBe(1);
    expect((await app.repair()).repaired).toEqual([]);
    await vi.waitFor(async () => expect(await admin.exists(app.keys.repairLock)).toBe(1));
    // The worker registry: the worker's beats (worker-heartbeat.lua) and app.workers() (MULTI, TIME).
    expect((await app.workers()).live).toHaveLength(1);
    await app.close();
    expect(await admin.exists(app.keys.workers.records)).toBe(0);
    // CLIENT SETINFO, sent by ioredis to Redis 7.2 and later, is left out of the line: ioredis
    // ignores its refusal (and Redis 7.0 has no such subcommand, so the line would not load).
    const refused = (await aclLog(admin)).filter((entry) => entry.object !== 'client|setinfo');
    expect(refused).toEqual([]);
  });

  it('refuses that user keys outside the prefix, other commands and other channels', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    const client = new Redis(url);
    try {
      const noKey = 'NOPERM this user has no permissions to access one of the keys used as arguments';
      await expect(client.hgetall('{otherapp}:run:1')).rejects.toThrow(noKey);
      await expect(client.zscore('outside', 'member')).rejects.toThrow(noKey);
      await expect(client.keys('*')).rejects.toThrow("NOPERM this user has no permissions to run the 'keys' command");
      await expect(client.publish('elsewhere', 'x')).rejects.toThrow(
        'NOPERM this user has no permissions to access one of the channels used as arguments',
      );
      // SCRIPT LOAD does not widen it: a script's own calls are checked as the user's.
      const sha = String(await client.script('LOAD', "return redis.call('HGET', 'outside', 'field')"));
      await expect(client.evalsha(sha, 0)).rejects.toThrow("ERR The user executing the script can't access at least one of the keys");
    } finally {
      await client.quit();
    }
    // An app of another prefix on the same user writes nothing.
    const other = makeApp({ redis: url, prefix: 'otherapp' });
    const { add } = canvasTasks(other);
    await expect(other.submit(add.s(1, 2))).rejects.toThrow('NOPERM');
    expect(await admin.keys('{otherapp}:*')).toEqual([]);
    const refused = await aclLog(admin);
    expect(new Set(refused.map((entry) => entry.username))).toEqual(new Set(['celeriac']));
    expect(refused.map((entry) => entry.reason).sort()).toEqual(['channel', 'command', 'key', 'key', 'key', 'key']);
    // The other app was refused at its first read, that of its shard count, before its submit wrote anything.
    expect(refused.filter((entry) => entry.object.startsWith('{otherapp}') && entry.object !== '{otherapp}:run:1').map((entry) => entry.object)).toEqual([
      '{otherapp}:meta',
    ]);
  });
});

const tls = tlsSupport();
const tlsSkip = tls.ok ? '' : ` (skipped: ${tls.reason})`;

describe('a TLS-only server with a private CA', () => {
  let certificates: TestCertificates;
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    if (!tls.ok) return;
    certificates = makeCertificates();
    server = await startRedisServer([], { tls: certificates });
    admin = new Redis(server.url, { tls: { ca: certificates.ca } });
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
    certificates?.remove();
  });
  const makeApp = useAppsOn(() => admin);

  it.skipIf(!tls.ok)(`runs a canvas over rediss:// with the CA given beside the url${tlsSkip}`, async () => {
    const app = makeApp({ redis: { url: server.url, tls: { ca: certificates.ca } } });
    const { add, tsum } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(chain(add.s(2, 2), group(add.s(1), add.s(2)), tsum.s()));
    expect(await run.result(RESULT)).toBe(11);
    // The server has no plain port: every one of these connections is TLS.
    expect(await connectionRoles(admin, app)).toEqual(ALL_ROLES);
  });

  it.skipIf(!tls.ok)(`the command line takes the CA with --tls-ca, and without it says why it cannot connect${tlsSkip}`, async () => {
    const app = makeApp({ redis: { url: server.url, tls: { ca: certificates.ca } } });
    const { add } = canvasTasks(app);
    const run = await app.submit(add.si(20, 22), { name: 'over-tls' });
    const at = ['--redis', server.url, '--prefix', app.config.prefix];
    const listed = await celeriac(['list', ...at, '--tls-ca', certificates.caFile]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${run.id}  over-tls`);
    const refused = await celeriac(['list', ...at]);
    expect(refused.code).toBe(69);
    expect(refused.stderr).toMatch(/^celeriac: cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: self-signed certificate in certificate chain/);
    const plain = await celeriac(['list', '--redis', 'redis://127.0.0.1:1', '--tls-ca', certificates.caFile]);
    expect(plain.code).toBe(64);
    expect(plain.stderr).toBe('celeriac: --tls-ca needs a rediss:// URL (got redis://127.0.0.1:1)\n');
  });

  it.skipIf(!tls.ok)(`duplicates an ioredis instance with its TLS options${tlsSkip}`, async () => {
    const client = new Redis(server.url, { tls: { ca: certificates.ca } });
    try {
      const app = makeApp({ redis: client });
      const { add } = canvasTasks(app);
      await app.worker().start();
      expect(await (await app.submit(add.s(1, 2))).result(RESULT)).toBe(3);
      await app.close();
    } finally {
      await client.quit();
    }
  });

  it.skipIf(!tls.ok)(`without the CA, submit and worker.start fail with the certificate error${tlsSkip}`, async () => {
    const app = makeApp({ redis: server.url });
    const { add } = canvasTasks(app);
    const error = await app.submit(add.s(1, 2)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SELF_SIGNED_CERT_IN_CHAIN', message: 'self-signed certificate in certificate chain' });
    await expect(app.worker().start()).rejects.toThrow('self-signed certificate in certificate chain');
    // Closing a worker while one of its reconnects is mid-handshake drew a second TLS error that
    // nothing listened to, an uncaught exception (vitest fails the run on one): close a few.
    for (let round = 0; round < 10; round++) {
      const again = makeApp({ redis: server.url });
      await expect(again.worker().start()).rejects.toThrow('self-signed certificate in certificate chain');
      await again.close();
    }
  });
});

/** Keys that take part in prototype pollution, as own properties (JSON.parse makes them so). */
const HOSTILE_JSON =
  '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},' +
  '"hasOwnProperty":"not a function","toJSON":"not a function","nested":[{"__proto__":{"polluted":"yes"}}]}';
const hostile = (): Record<string, unknown> => JSON.parse(HOSTILE_JSON) as Record<string, unknown>;

/** Paths of the objects in a JSON value whose prototype is not Object.prototype, or that inherit `polluted`. */
function tampered(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => tampered(item, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  const own = Object.keys(value).flatMap((key) => tampered((value as Record<string, unknown>)[key], `${path}.${key}`));
  const wrong = Object.getPrototypeOf(value) !== Object.prototype || ('polluted' in value && !Object.hasOwn(value, 'polluted'));
  return wrong ? [path, ...own] : own;
}

describe('untrusted values', () => {
  const makeApp = useApps();

  it('keys like __proto__ and constructor cross a run as own properties and pollute nothing', async () => {
    const prototypeKeys = Reflect.ownKeys(Object.prototype);
    const app = makeApp();
    const received: unknown[] = [];
    const see = <T>(value: T): T => {
      received.push(value);
      return value;
    };
    // The handlers are plain functions, so the expected value can be computed locally with them.
    const echoFn = (value: unknown): unknown => value;
    const wrapFn = (value: unknown): unknown => {
      const made = hostile();
      made.value = value;
      return made;
    };
    const pairFn = (value: unknown, extra: unknown): unknown => [value, extra];
    const shape = z.tuple([z.record(z.string(), z.unknown())]);
    const checkFn = (value: Record<string, unknown>) => ({
      prototypeIntact: Object.getPrototypeOf(value) === Object.prototype,
      inherited: 'polluted' in value ? 'polluted' : null,
      keptProtoKey: Object.hasOwn(value, '__proto__'),
    });
    const start = app.task({ name: 'start' }, async (value: Record<string, unknown>) => see(value));
    const echo = app.task({ name: 'echo' }, async (value: unknown) => echoFn(see(value)));
    const wrap = app.task({ name: 'wrap' }, async (value: unknown) => wrapFn(see(value)));
    const pair = app.task({ name: 'pair' }, async (value: unknown, extra: unknown) => pairFn(see(value), see(extra)));
    const check = app.task({ name: 'check', args: shape }, async (value) => checkFn(see(value)));
    const collect = app.task({ name: 'collect' }, async (members: unknown[]) => see(members));
    await app.worker().start();
    const run = await app.submit(
      chain(
        start.si(hostile()), // args stored at submit
        group(echo.s(), wrap.s(), pair.s(hostile()), check.s()), // each reads node 0's result through its input template
        collect.s(), // a chord body: receives the members' results
        group(echo.s(), echo.s()), // the run's value is a list template, filled by result()
      ),
    );
    const result = await run.result(RESULT);

    const members = [echoFn(hostile()), wrapFn(hostile()), pairFn(hostile(), hostile()), checkFn(shape.parse([hostile()])[0])];
    expect(JSON.stringify(result)).toBe(JSON.stringify([members, members]));
    const first = result[0] as [Record<string, unknown>, Record<string, unknown>];
    expect(Object.hasOwn(first[0], '__proto__') && Object.hasOwn(first[1], '__proto__')).toBe(true);
    expect(Object.keys(first[0])).toEqual(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toJSON', 'nested']);
    // A zod schema drops a __proto__ key rather than assign it (zod's own guard).
    expect(members[3]).toEqual({ prototypeIntact: true, inherited: null, keptProtoKey: false });
    expect(tampered(result)).toEqual([]);
    expect(tampered(received)).toEqual([]);
    expect(received).toHaveLength(9);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Reflect.ownKeys(Object.prototype)).toEqual(prototypeKeys);
  });

  it('a task name no worker registered fails its node with UnknownTaskError, and the worker goes on', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const errors: unknown[] = [];
    await app.worker({ onError: (error) => errors.push(error) }).start();
    // Names are looked up in a Map, never on an object, so these are unknown names like any other.
    for (const name of ['billing.charge', '__proto__', 'constructor', 'toString']) {
      const run = await app.submit(chain(app.signature<number>(name, [1]), add.s(1)));
      const error = await run.result(RESULT).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).nodeError).toMatchObject({ name: 'UnknownTaskError', code: 'TASK_UNKNOWN' });
      expect((await run.inspect()).nodes.map((node) => [node.task, node.status, node.attempts])).toEqual([
        [name, 'failed', 1],
        ['add', 'cancelled', 0],
      ]);
    }
    expect(await (await app.submit(add.s(2, 3))).result(RESULT)).toBe(5);
    expect(errors).toEqual([]);
  });
});
