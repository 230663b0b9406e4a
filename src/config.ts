import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { ConfigError } from './errors/index.js';
import { describeZodError } from './util/zod.js';

export interface AppOptions {
  /** A redis:// or rediss:// URL, ioredis options, or an ioredis instance (not closed by app.close()). Default: REDIS_URL or redis://127.0.0.1:6379. */
  readonly redis?: string | RedisOptions | Redis;
  /** Namespace of every key; apps (and tests) with different prefixes never see each other. Default `celeriac`. */
  readonly prefix?: string;
  /** How long a worker holds a node without a heartbeat before it is redelivered. Default 30 s. */
  readonly visibilityTimeoutMs?: number;
  /** Largest JSON encoding of one node's arguments or one result. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
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
}

const DAY = 24 * 60 * 60 * 1000;

const appOptionsSchema = z
  .object({
    redis: z.unknown().optional(),
    prefix: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^{}\s|]+$/, 'must not contain braces, "|" or white space')
      .default('celeriac'),
    visibilityTimeoutMs: z.number().int().min(100).default(30_000),
    maxPayloadBytes: z.number().int().min(16).default(1024 * 1024),
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
  })
  .strict();

export interface AppConfig {
  readonly redis: string | RedisOptions | Redis;
  readonly prefix: string;
  readonly visibilityTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly maxLeaseExpiries: number;
  readonly retention: { readonly succeededMs: number; readonly failedMs: number; readonly cancelledMs: number };
  readonly tracing: { readonly enabled: boolean; readonly recordArgs: boolean; readonly recordResults: boolean };
}

export function parseAppOptions(options: AppOptions = {}): AppConfig {
  const parsed = appOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError('createApp()', describeZodError(parsed.error, 'options'), { cause: parsed.error });
  const redis = options.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (typeof redis !== 'string' && (typeof redis !== 'object' || redis === null)) {
    throw new ConfigError('createApp()', 'options.redis must be a URL string, ioredis options or an ioredis instance');
  }
  return { ...parsed.data, redis };
}

/**
 * A new connection for one purpose. `persistent` connections (workers, subscribers) retry their
 * commands across outages instead of failing them after ioredis's default 20 attempts.
 */
export function connect(config: AppConfig, persistent: boolean, role: string, options: RedisOptions = {}): Redis {
  const source = config.redis;
  // Named so that `CLIENT LIST` shows which app and role each connection serves.
  const extra: RedisOptions = {
    ...options,
    connectionName: `celeriac:${config.prefix}:${role}`,
    ...(persistent ? { maxRetriesPerRequest: null } : {}),
  };
  const connection =
    source instanceof Redis
      ? source.duplicate(extra)
      : typeof source === 'string'
        ? new Redis(source, extra)
        : new Redis({ ...source, ...extra });
  // Connection errors reach callers as rejected commands; without a listener ioredis would also
  // print every reconnect attempt as an "unhandled error event".
  connection.on('error', () => undefined);
  return connection;
}
