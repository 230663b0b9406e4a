import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisClient } from './store/redis-client.js';
import { z } from 'zod';
import { ConfigError } from './errors/index.js';
import { describeZodError } from './util/zod.js';
import { DEFAULT_MAX_CANVAS_BYTES, DEFAULT_MAX_CANVAS_NODES } from './graph/limits.js';

/** ioredis options, optionally with a redis:// or rediss:// URL that the other fields add to. */
export interface RedisConnectionOptions extends RedisOptions {
  readonly url?: string;
}

/** A Redis Cluster: some of its nodes to start from (the rest are discovered), and ioredis's Cluster options. */
export interface ClusterConnectionOptions {
  readonly cluster: readonly { readonly host: string; readonly port: number }[];
  /**
   * ioredis ClusterOptions; credentials and TLS go in its `redisOptions`. ioredis gives up on a
   * command after `maxRedirections` tries `retryDelayOnFailover` ms apart (its defaults, 16 and
   * 100 ms, last 1.6 s: less than a failover). Unless set here, celeriac retries for as long as a
   * failover may take: 60 s on the connections of workers and subscribers, so that a worker's
   * reports during one wait instead of failing (and their nodes running again), and the app's
   * `connectTimeoutMs` on its command connection (docs/reliability.md, "Redis Cluster failover").
   */
  readonly clusterOptions?: ClusterOptions;
}

/** The shard count of an app on Redis Cluster when `shards` is not given. */
export const DEFAULT_CLUSTER_SHARDS = 16;
const MAX_SHARDS = 1024;

export interface AppOptions {
  /**
   * How to reach Redis. Every connection the engine opens (the app's commands, each worker's
   * commands, blocking and events connections, the result() subscriber) is made from this, with
   * the same credentials and TLS settings. One of:
   * - a URL: `redis://[[user]:password@]host:port[/db]`, or `rediss://...` for TLS checked
   *   against the system's CAs, e.g. `redis://celeriac:secret@10.0.0.5:6379` (ACL user) or
   *   `redis://:secret@10.0.0.5:6379` (requirepass);
   * - ioredis options: `{ host, port, username, password, db, tls: { ca, ... } }`;
   * - ioredis options with a `url`, for what a URL cannot say (a private CA, a client
   *   certificate, a password kept out of the URL):
   *   `{ url: 'rediss://redis.internal:6380', password: secret, tls: { ca: readFileSync('ca.pem') } }`.
   *   A setting goes in the URL or in the options, not both; `tls` needs a rediss:// URL.
   * - an ioredis instance: duplicated per role, with its options (credentials and TLS
   *   included); not closed by app.close();
   * - a Redis Cluster: `{ cluster: [{ host, port }, ...], clusterOptions? }`, or an ioredis
   *   Cluster instance (duplicated per role). Runs are spread over `shards` (docs/scaling.md).
   * Bad input throws ConfigError. Default: REDIS_URL, else redis://127.0.0.1:6379.
   */
  readonly redis?: string | RedisConnectionOptions | Redis | ClusterConnectionOptions | Cluster;
  /**
   * How many shards the app's runs are spread over (docs/scaling.md). Each shard has its own
   * keys, queues and event stream under one hash tag, so on Redis Cluster shards land on
   * different primaries and every script still runs in one slot. Fixed for a prefix once it is
   * used: an app that says another count for the same prefix is refused (ShardCountError).
   * Default: 1 on one Redis, 16 on a Redis Cluster.
   */
  readonly shards?: number;
  /**
   * Namespace of every key; apps (and tests) with different prefixes never see each other.
   * Default: CELERIAC_PREFIX, else `celeriac`.
   */
  readonly prefix?: string;
  /**
   * How long anything that needs Redis waits for a connection before it fails with
   * RedisUnavailableError: `worker.start()`, `submit`, `result`, `listRuns`, the CLI. Meanwhile
   * it keeps trying (a worker reports each failed attempt to its onError). A running worker rides
   * out a later outage of any length. Default 10 s.
   */
  readonly connectTimeoutMs?: number;
  /** How long a worker holds a node without a heartbeat before it is redelivered. Default 30 s. */
  readonly visibilityTimeoutMs?: number;
  /** Largest JSON encoding of one node's arguments or one result. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /**
   * Most nodes in one canvas. submit commits a whole run in one script, during which Redis
   * serves no one else; this bounds that pause. Default 250,000.
   */
  readonly maxCanvasNodes?: number;
  /** Most bytes of one canvas's node specs together (args included). Default 64 MiB. */
  readonly maxCanvasBytes?: number;
  /**
   * Most items a map may expand over: a longer list fails the map node with MapTooLargeError
   * (MAP_TOO_LARGE) and adds nothing. An expansion is written by one script call, during which
   * Redis serves no one else; this bounds that pause. Read by the worker that runs the map node.
   * Default 10,000.
   */
  readonly maxMapLength?: number;
  /** How many times a node's lease may expire (its worker died or stalled) before the node fails. Default 5. */
  readonly maxLeaseExpiries?: number;
  /**
   * How long a finished run's keys are kept, by how it finished. Failed runs are kept longest
   * by default, since they may be resumed. Defaults: succeeded 1 day, failed 7 days, cancelled
   * 1 day. Fixed for a run when it is submitted.
   */
  readonly retention?: { readonly succeededMs?: number; readonly failedMs?: number; readonly cancelledMs?: number };
  /**
   * OpenTelemetry (through @opentelemetry/api; register an SDK to export). `enabled: false`
   * makes no span at all (default true; with no SDK registered spans cost next to nothing
   * anyway). Argument and result values go into spans only when asked for: they may hold
   * personal data. Default: neither.
   */
  readonly tracing?: { readonly enabled?: boolean; readonly recordArgs?: boolean; readonly recordResults?: boolean };
  /**
   * The event stream (`app.events()`, docs/events.md). `enabled: false`: runs this app submits
   * record no events (default true). `maxLen`: about how many stream entries the app's stream
   * keeps (MAXLEN ~; each entry holds the events of one script call); default 10,000. Both are
   * fixed for a run when it is submitted.
   */
  readonly events?: { readonly enabled?: boolean; readonly maxLen?: number };
  /**
   * Wait for replicas to copy each state transition before it counts as done. Redis replicates
   * asynchronously: a transition its primary acknowledged but had not yet sent to a replica is
   * lost if that primary fails and the replica takes over (docs/reliability.md, "Redis Cluster
   * failover"). With this set, each submit, start, completion, failure, cancel, resume/rerun and
   * delete is followed, on the same primary, by `WAIT waitReplicas timeoutMs`: one more round
   * trip per call, whose measured cost is in docs/reliability.md. When fewer replicas acknowledge
   * within `timeoutMs`, the transition still stands (it was applied on the primary) and
   * ReplicationTimeoutError (REPLICATION_TIMEOUT) says so: thrown by submit, cancel, resume,
   * rerun and delete; given to a worker's onError, the worker carrying on. A primary with fewer
   * replicas than asked (one just promoted, until its old primary rejoins) makes every call on its
   * shards wait the whole `timeoutMs` and report so. WAIT narrows the window, it does not close
   * it: Redis may still promote a replica that had not acknowledged. Needs `+wait` in an ACL.
   * `timeoutMs`: default 100, at most a quarter of visibilityTimeoutMs (a worker's call that
   * waits longer than its lease would lose the node). Default: unset, no waiting.
   */
  readonly replication?: { readonly waitReplicas: number; readonly timeoutMs?: number };
}

const DAY = 24 * 60 * 60 * 1000;
/** The prefix of an app that names none. */
export const DEFAULT_PREFIX = 'celeriac';
const DEFAULT_EVENTS_MAX_LEN = 10_000;
const DEFAULT_REPLICATION_TIMEOUT_MS = 100;

const prefixSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^{}\s|]+$/, 'must not contain braces, "|" or white space');

const appOptionsSchema = z
  .object({
    redis: z.unknown().optional(),
    shards: z.number().int().min(1).max(MAX_SHARDS).optional(),
    prefix: prefixSchema.default(DEFAULT_PREFIX),
    connectTimeoutMs: z.number().int().min(1).default(10_000),
    visibilityTimeoutMs: z.number().int().min(100).default(30_000),
    maxPayloadBytes: z.number().int().min(16).default(1024 * 1024),
    maxCanvasNodes: z.number().int().min(1).default(DEFAULT_MAX_CANVAS_NODES),
    maxCanvasBytes: z.number().int().min(1024).default(DEFAULT_MAX_CANVAS_BYTES),
    maxMapLength: z.number().int().min(1).max(1_000_000).default(10_000),
    maxLeaseExpiries: z.number().int().min(0).default(5),
    retention: z
      .object({
        succeededMs: z.number().int().min(1).default(DAY),
        failedMs: z.number().int().min(1).default(7 * DAY),
        cancelledMs: z.number().int().min(1).default(DAY),
      })
      .strict()
      .default({ succeededMs: DAY, failedMs: 7 * DAY, cancelledMs: DAY }),
    tracing: z
      .object({ enabled: z.boolean().default(true), recordArgs: z.boolean().default(false), recordResults: z.boolean().default(false) })
      .strict()
      .default({ enabled: true, recordArgs: false, recordResults: false }),
    events: z
      .object({ enabled: z.boolean().default(true), maxLen: z.number().int().min(1).default(DEFAULT_EVENTS_MAX_LEN) })
      .strict()
      .default({ enabled: true, maxLen: DEFAULT_EVENTS_MAX_LEN }),
    // WAIT's timeout 0 would block forever: at least 1 ms.
    replication: z
      .object({ waitReplicas: z.number().int().min(1).max(100), timeoutMs: z.number().int().min(1).default(DEFAULT_REPLICATION_TIMEOUT_MS) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  // A worker's start or completion that waits longer than its lease loses the node to another
  // worker; a primary left with no replica (after a failover) makes every call wait the full timeout.
  .refine((options) => options.replication === null || options.replication.timeoutMs * 4 <= options.visibilityTimeoutMs, {
    message: 'must be at most a quarter of visibilityTimeoutMs',
    path: ['replication', 'timeoutMs'],
  });

/** The `redis` option, checked. */
export type RedisSource = string | RedisConnectionOptions | Redis | ClusterConnectionOptions | Cluster;

export interface AppConfig {
  readonly redis: RedisSource;
  readonly shards: number;
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  readonly visibilityTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly maxCanvasNodes: number;
  readonly maxCanvasBytes: number;
  readonly maxMapLength: number;
  readonly maxLeaseExpiries: number;
  readonly retention: { readonly succeededMs: number; readonly failedMs: number; readonly cancelledMs: number };
  readonly tracing: { readonly enabled: boolean; readonly recordArgs: boolean; readonly recordResults: boolean };
  readonly events: { readonly enabled: boolean; readonly maxLen: number };
  /** null: transitions do not wait for replicas. */
  readonly replication: { readonly waitReplicas: number; readonly timeoutMs: number } | null;
}

export function parseAppOptions(options: AppOptions = {}): AppConfig {
  const parsed = appOptionsSchema.safeParse({ ...options, prefix: options.prefix ?? prefixFromEnv() });
  if (!parsed.success) throw new ConfigError('createApp()', describeZodError(parsed.error, 'options'), { cause: parsed.error });
  const redis = parseRedisOption(options.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const clustered = redis instanceof Cluster || isClusterOptions(redis);
  return { ...parsed.data, redis, shards: parsed.data.shards ?? (clustered ? DEFAULT_CLUSTER_SHARDS : 1) };
}

/** CELERIAC_PREFIX, the default prefix beside REDIS_URL (unset or empty: none). */
function prefixFromEnv(): string | undefined {
  const value = process.env.CELERIAC_PREFIX;
  if (!value) return undefined;
  const parsed = prefixSchema.safeParse(value);
  if (!parsed.success) throw new ConfigError('createApp()', describeZodError(parsed.error, 'CELERIAC_PREFIX'), { cause: parsed.error });
  return parsed.data;
}

/** Where a URL and the options beside it could both say the same thing (ioredis would quietly prefer the URL). */
const URL_SETTINGS = ['host', 'port', 'path', 'username', 'password', 'db'] as const;

function redisOptionError(problem: string): ConfigError {
  return new ConfigError('createApp()', `options.redis${problem}`);
}

function isClusterOptions(redis: RedisSource): redis is ClusterConnectionOptions {
  // Instances answer to `cluster` too: it is the CLUSTER command.
  return typeof redis === 'object' && !(redis instanceof Redis) && !(redis instanceof Cluster) && 'cluster' in redis;
}

function parseClusterOption(redis: { readonly cluster: unknown; readonly clusterOptions?: unknown }): ClusterConnectionOptions {
  const { cluster, clusterOptions } = redis;
  if (!Array.isArray(cluster) || cluster.length === 0) {
    throw redisOptionError('.cluster must be a non-empty list of { host, port }, e.g. [{ host: "10.0.0.5", port: 7000 }]');
  }
  cluster.forEach((node: unknown, index) => {
    const { host, port } = (typeof node === 'object' && node !== null ? node : {}) as { host?: unknown; port?: unknown };
    if (typeof host !== 'string' || host === '' || !Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
      throw redisOptionError(`.cluster[${index}] must be { host: string, port: 1-65535 }`);
    }
  });
  if (clusterOptions !== undefined && (typeof clusterOptions !== 'object' || clusterOptions === null || Array.isArray(clusterOptions))) {
    throw redisOptionError('.clusterOptions must be ioredis Cluster options');
  }
  const extra = Object.keys(redis).filter((key) => key !== 'cluster' && key !== 'clusterOptions');
  if (extra.length > 0) throw redisOptionError(`: ${extra.join(', ')} cannot go beside cluster; put them in clusterOptions.redisOptions`);
  return redis as ClusterConnectionOptions;
}

function parseRedisOption(redis: unknown): RedisSource {
  if (typeof redis === 'string' || redis instanceof Redis || redis instanceof Cluster) return redis;
  if (typeof redis === 'object' && redis !== null && 'cluster' in redis && !Array.isArray(redis)) return parseClusterOption(redis);
  if (typeof redis !== 'object' || redis === null || Array.isArray(redis)) {
    throw redisOptionError(' must be a URL string, ioredis options (optionally with a url) or an ioredis instance');
  }
  const options = redis as RedisConnectionOptions;
  const { tls } = options;
  if (tls !== undefined && (typeof tls !== 'object' || tls === null || Array.isArray(tls))) {
    throw redisOptionError('.tls must be Node TLS options, e.g. { ca: readFileSync("ca.pem") }');
  }
  for (const field of ['username', 'password'] as const) {
    if (options[field] !== undefined && typeof options[field] !== 'string') throw redisOptionError(`.${field} must be a string`);
  }
  if (options.url === undefined) return options;
  const { url } = options;
  let parsed: URL | null = null;
  try {
    parsed = typeof url === 'string' ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || !parsed.hostname) {
    throw redisOptionError('.url must be a redis:// or rediss:// URL with a host, e.g. rediss://redis.internal:6380');
  }
  if (!/^\/?\d*$/.test(parsed.pathname)) throw redisOptionError(`.url: the path must be a database number, not "${parsed.pathname}"`);
  // The same setting in both places is a mistake whichever way it is read: refuse it.
  const inUrl = {
    host: true,
    port: parsed.port !== '',
    path: true,
    username: parsed.username !== '',
    password: parsed.password !== '',
    db: parsed.pathname.length > 1,
  };
  for (const field of URL_SETTINGS) {
    if (options[field] !== undefined && inUrl[field]) {
      throw redisOptionError(
        field === 'path' ? ': give either url or path (a Unix socket), not both' : `: ${field} is given both in url and as an option; keep one`,
      );
    }
  }
  // ioredis connects with TLS whenever `tls` is set, whatever the URL says: make the URL say so.
  if (parsed.protocol === 'redis:' && tls !== undefined) throw redisOptionError(': tls options need a rediss:// url');
  return options;
}

/**
 * Node's codes for a server certificate that failed verification. Every reconnect fails the
 * same way until the configuration changes, so retrying cannot help.
 */
const CERTIFICATE_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateError(error: unknown): error is Error {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && CERTIFICATE_ERRORS.has(code);
}

/**
 * One ioredis connection from the app's `redis` option (a URL, options with an optional url, a
 * cluster, or an instance to duplicate), with `extra` options over it (over each node's, on a cluster).
 */
export function newRedis(source: RedisSource, extra: RedisOptions): RedisClient {
  if (source instanceof Redis) return source.duplicate(extra);
  if (source instanceof Cluster) return source.duplicate(undefined, { redisOptions: { ...source.options.redisOptions, ...extra } });
  if (typeof source === 'string') return new Redis(source, extra);
  if (isClusterOptions(source)) {
    const { lazyConnect, ...perNode } = extra;
    const options = source.clusterOptions ?? {};
    return new Cluster([...source.cluster], {
      ...options,
      ...(lazyConnect !== undefined ? { lazyConnect } : {}),
      redisOptions: { ...options.redisOptions, ...perNode },
    });
  }
  const { url, ...rest } = source;
  return url === undefined ? new Redis({ ...rest, ...extra }) : new Redis(url, { ...rest, ...extra });
}

/** How long a worker's or subscriber's cluster command retries through a failover. */
const PERSISTENT_RETRY_MS = 60_000;
const FAILOVER_RETRY_DELAY_MS = 200;

/** Cluster options whose redirection retries last `ms`, unless the user chose them. */
function withFailoverRetries(source: ClusterConnectionOptions, ms: number): ClusterConnectionOptions {
  const options = source.clusterOptions ?? {};
  const onFailover = options.retryDelayOnFailover ?? FAILOVER_RETRY_DELAY_MS;
  // During a failover a command meets a closed connection (retryDelayOnFailover) or CLUSTERDOWN.
  const onClusterDown = options.retryDelayOnClusterDown ?? FAILOVER_RETRY_DELAY_MS;
  const shortest = Math.max(1, Math.min(onFailover, onClusterDown));
  return {
    ...source,
    clusterOptions: {
      retryDelayOnFailover: onFailover,
      retryDelayOnClusterDown: onClusterDown,
      maxRedirections: Math.max(16, Math.ceil(ms / shortest)),
      ...options,
    },
  };
}

/**
 * A new connection for one purpose. `persistent` connections (workers, subscribers) retry their
 * commands across outages instead of failing them after ioredis's default 20 attempts.
 */
export function connect(config: AppConfig, persistent: boolean, role: string, options: RedisOptions = {}): RedisClient {
  const source = config.redis;
  // Named so that `CLIENT LIST` shows which app and role each connection serves.
  const extra: RedisOptions = {
    // A duplicate of a lazyConnect instance would be lazy too, and the subscribers among them
    // would never connect: every connection made here connects at once.
    lazyConnect: false,
    ...options,
    connectionName: `celeriac:${config.prefix}:${role}`,
    ...(persistent ? { maxRetriesPerRequest: null } : {}),
  };
  const connection = newRedis(isClusterOptions(source) ? withFailoverRetries(source, persistent ? PERSISTENT_RETRY_MS : config.connectTimeoutMs) : source, extra);
  if (connection instanceof Cluster) {
    // Errors reach callers as rejected commands; the listener keeps ioredis from printing each
    // failed reconnect as an "unhandled error event".
    connection.on('error', () => undefined);
    return connection;
  }
  // A refused AUTH fails the waiting commands with Redis's own error (ioredis does it). A
  // certificate that fails verification would not: the commands would wait through the
  // reconnects (forever on a persistent connection) and end, if ever, with a "max retries" error
  // that hides the cause. Fail them with the certificate error, through the method ioredis uses
  // for a refused AUTH (recoverFromFatalError, internal to ioredis: test/integration/
  // ioredis-contract.test.ts holds it to the pinned version); reconnecting goes on, so a fixed
  // certificate is picked up. Done at 'close': from inside the socket's 'error' event it drew a second TLS error.
  let certificateError: Error | null = null;
  const failedSockets = new WeakSet<object>();
  // Also the listener that keeps ioredis from printing every failed reconnect as an "unhandled
  // error event": other connection errors reach callers as rejected commands.
  connection.on('error', (error: unknown) => {
    if (isCertificateError(error)) certificateError = error;
    // ioredis listens for one error per socket. A TLS socket ended mid-handshake whose
    // certificate then fails emits a second one (the server's decode_error alert), which was an
    // uncaught exception when a worker was closed during a reconnect.
    const socket = connection.stream;
    if (socket && !failedSockets.has(socket)) {
      failedSockets.add(socket);
      socket.on('error', () => undefined);
    }
  });
  connection.on('close', () => {
    const error = certificateError;
    if (!error) return;
    connection.recoverFromFatalError(error, error, {});
    // Only now: recoverFromFatalError emits the error again, which the listener above records.
    certificateError = null;
  });
  return connection;
}
