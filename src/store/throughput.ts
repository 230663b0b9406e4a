import type { RedisClient } from './redis-client.js';
import { ConfigError } from '../errors/index.js';
import type { KeySpace } from './keys.js';

/**
 * Attempts finished per queue over time: the stored format, written by worker-heartbeat.lua and
 * read here (nothing else reads or writes it). Each worker tallies in memory the attempts it
 * finished, per queue, and sends the tally with its registry beat; the script adds it to the
 * bucket of Redis's TIME at that beat, so the per-node scripts write nothing more. Two keys:
 *   {p}:throughput        hash        `<bucket start ms>|<queue>|s` -> succeeded attempts,
 *                                     `<bucket start ms>|<queue>|f` -> failed attempts
 *   {p}:throughput:index  sorted set  `<bucket start ms>|<queue>`, scored by the bucket start:
 *                                     which fields to delete once a bucket is past retention
 * Queue names hold no '|' (queueNameSchema), so a field splits unambiguously.
 */

/** The width of one bucket. */
export const THROUGHPUT_BUCKET_MS = 10_000;
/** Buckets older than this are deleted by the beats (at most TRIM_PER_BEAT index entries each). */
export const THROUGHPUT_RETENTION_MS = 60 * 60 * 1000;
/** The window `app.throughput()` covers unless told otherwise. */
export const DEFAULT_THROUGHPUT_WINDOW_MS = 15 * 60 * 1000;

/** One bucket of a queue's throughput. */
export interface ThroughputPoint {
  /** The bucket's start (RedisClient's clock). */
  readonly at: Date;
  /** Attempts that succeeded. */
  readonly succeeded: number;
  /** Attempts that ended in an error: retried ones included, fenced-off and cancelled ones not. */
  readonly failed: number;
}

/** A queue's attempts per bucket over the window, oldest first, with a point for every bucket. */
export interface QueueThroughput {
  readonly queue: string;
  /** The width of each point's bucket. */
  readonly bucketMs: number;
  readonly points: readonly ThroughputPoint[];
}

/** A worker's counts not yet sent, by queue. */
export type ThroughputCounts = ReadonlyMap<string, { readonly succeeded: number; readonly failed: number }>;

/** The keys worker-heartbeat.lua takes after the registry's, in its order. */
export function throughputScriptKeys(keys: KeySpace): string[] {
  return [keys.throughput.counts, keys.throughput.index];
}

/** The ARGV tail of a beat: retention, bucket width, then queue, succeeded, failed per queue. */
export function throughputArgs(counts: ThroughputCounts): (string | number)[] {
  const args: (string | number)[] = [THROUGHPUT_RETENTION_MS, THROUGHPUT_BUCKET_MS];
  for (const [queue, { succeeded, failed }] of counts) if (succeeded > 0 || failed > 0) args.push(queue, succeeded, failed);
  return args;
}

/**
 * Every queue with counts still retained, over the last `windowMs` (RedisClient's clock), in buckets
 * of THROUGHPUT_BUCKET_MS: the last point is the bucket now filling. Sorted by queue name.
 */
export async function readThroughput(redis: RedisClient, keys: KeySpace, windowMs: number): Promise<QueueThroughput[]> {
  const replies = await redis.multi().time().hgetall(keys.throughput.counts).exec();
  if (!replies) throw new Error('readThroughput: the transaction was aborted');
  for (const [error] of replies) if (error) throw error;
  const [time, fields] = replies.map(([, value]) => value) as [[string, string], Record<string, string>];
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const bucketMs = THROUGHPUT_BUCKET_MS;
  const count = Math.max(1, Math.ceil(windowMs / bucketMs));
  const last = Math.floor(now / bucketMs) * bucketMs;
  const first = last - (count - 1) * bucketMs;
  // A beat trims a bounded number of buckets, so fields past retention may linger: not listed.
  const retainedFrom = now - THROUGHPUT_RETENTION_MS;
  const byQueue = new Map<string, { succeeded: number[]; failed: number[] }>();
  for (const [field, value] of Object.entries(fields)) {
    const parsed = parseField(field);
    if (!parsed || parsed.bucket < retainedFrom) continue;
    let series = byQueue.get(parsed.queue);
    if (!series) {
      series = { succeeded: new Array<number>(count).fill(0), failed: new Array<number>(count).fill(0) };
      byQueue.set(parsed.queue, series);
    }
    const index = (parsed.bucket - first) / bucketMs;
    if (index < 0 || index >= count || !Number.isInteger(index)) continue;
    series[parsed.kind === 's' ? 'succeeded' : 'failed'][index] = Number(value);
  }
  return [...byQueue.keys()].sort().map((queue) => {
    const series = byQueue.get(queue)!;
    return {
      queue,
      bucketMs,
      points: series.succeeded.map((succeeded, index) => ({
        at: new Date(first + index * bucketMs),
        succeeded,
        failed: series.failed[index] ?? 0,
      })),
    };
  });
}

const fieldPattern = /^(\d+)\|([^|]+)\|([sf])$/;

function parseField(field: string): { bucket: number; queue: string; kind: 's' | 'f' } | null {
  const match = fieldPattern.exec(field);
  if (!match) return null;
  return { bucket: Number(match[1]), queue: match[2]!, kind: match[3] === 's' ? 's' : 'f' };
}

/** Options of `app.throughput()`. */
export interface ThroughputOptions {
  /** How far back, in ms: 10 s (one bucket) to 1 h (the retention). Default 15 min. */
  readonly windowMs?: number;
}

/** The window asked for, checked once at the edge. */
export function parseThroughputWindow(options: ThroughputOptions): number {
  if (typeof options !== 'object' || options === null) throw new ConfigError('throughput()', 'options must be an object');
  const windowMs = options.windowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS;
  if (!Number.isInteger(windowMs) || windowMs < THROUGHPUT_BUCKET_MS || windowMs > THROUGHPUT_RETENTION_MS) {
    throw new ConfigError('throughput()', `options.windowMs must be a whole number of ms from ${THROUGHPUT_BUCKET_MS} to ${THROUGHPUT_RETENTION_MS}`);
  }
  return windowMs;
}
