import type { RedisClient } from './redis-client.js';
import { z } from 'zod';
import type { KeySpace } from './keys.js';
import { workerHeartbeat } from './scripts/worker-heartbeat.js';
import { type ThroughputCounts, throughputArgs } from './throughput.js';

/** How often a worker beats by default (`worker-presence.ts`). */
export const WORKER_BEAT_INTERVAL_MS = 5_000;
/** A worker that missed this many beats in a row is listed as silent (dead, stalled, or cut off from Redis). */
export const SILENT_AFTER_BEATS = 3;
/** A silent worker is pruned from the registry after this long (by the next beat of any worker). */
export const WORKER_PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;
/** Most workers the registry keeps: beyond it, the longest silent go first. */
export const MAX_WORKERS = 1_000;

/** A running worker, as it last reported itself (`app.workers()`). */
export interface WorkerInfo {
  /** A ULID made when the worker started. */
  readonly id: string;
  /** `os.hostname()` of the worker's machine. */
  readonly host: string;
  /** The worker's process id on that host. */
  readonly pid: number;
  /** The queues it consumes, most preferred first. */
  readonly queues: readonly string[];
  /** Attempts it runs at once, at most. */
  readonly concurrency: number;
  /** Attempts running at its last beat. */
  readonly inFlight: number;
  /** Its first beat (RedisClient's clock). */
  readonly startedAt: Date;
  /** Its last beat (RedisClient's clock). */
  readonly lastSeenAt: Date;
}

/** The app's workers: `live` beat recently; `silent` missed 3 beats and have not said they stopped. */
export interface WorkerList {
  /** When the registry was read (RedisClient's clock, the one `lastSeenAt` is on). */
  readonly at: Date;
  /** Workers that beat within the last 3 beat intervals, oldest first. */
  readonly live: WorkerInfo[];
  /** Workers that did not (killed, frozen or cut off from Redis) and never said they stopped, oldest first. */
  readonly silent: WorkerInfo[];
}

/** What a worker writes at each beat (times are added by the script). */
export interface WorkerRecord {
  readonly host: string;
  readonly pid: number;
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly inFlight: number;
  /** Its beat interval: how readers tell a silent worker (SILENT_AFTER_BEATS of them). */
  readonly intervalMs: number;
}

const recordSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  queues: z.array(z.string()),
  concurrency: z.number().int(),
  inFlight: z.number().int(),
  intervalMs: z.number().positive(),
});

const NO_COUNTS: ThroughputCounts = new Map();

/**
 * One beat: the record stored, the worker's last-seen time set to Redis's now, long-silent
 * workers pruned, and the attempts it finished since its last beat added to the throughput.
 */
export async function beatWorker(redis: RedisClient, keys: KeySpace, id: string, record: WorkerRecord, counts = NO_COUNTS): Promise<void> {
  const json = JSON.stringify({
    host: record.host,
    pid: record.pid,
    queues: record.queues,
    concurrency: record.concurrency,
    inFlight: record.inFlight,
    intervalMs: record.intervalMs,
  });
  await workerHeartbeat.run(redis, { action: 'beat', keys, id, recordJson: json, pruneAfterMs: WORKER_PRUNE_AFTER_MS, maxWorkers: MAX_WORKERS, throughputArgs: throughputArgs(counts) });
}

/** The worker stopped: it leaves the registry, handing over its last counts. */
export async function removeWorker(redis: RedisClient, keys: KeySpace, id: string, counts = NO_COUNTS): Promise<void> {
  await workerHeartbeat.run(redis, { action: 'remove', keys, id, throughputArgs: throughputArgs(counts) });
}

/** The registry, read in one MULTI with Redis's time, split into live and silent workers (each by start time). */
export async function readWorkers(redis: RedisClient, keys: KeySpace): Promise<WorkerList> {
  const replies = await redis
    .multi()
    .hgetall(keys.workers.records)
    .zrange(keys.workers.seen, 0, -1, 'WITHSCORES')
    .zrange(keys.workers.started, 0, -1, 'WITHSCORES')
    .time()
    .exec();
  if (!replies) throw new Error('readWorkers: the transaction was aborted');
  for (const [error] of replies) if (error) throw error;
  const [records, seen, started, time] = replies.map(([, value]) => value) as [
    Record<string, string>,
    string[],
    string[],
    [string, string],
  ];
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const scores = (flat: string[]): Map<string, number> => {
    const map = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] as string, Number(flat[i + 1]));
    return map;
  };
  const seenAt = scores(seen);
  const startedAt = scores(started);
  const live: WorkerInfo[] = [];
  const silent: WorkerInfo[] = [];
  for (const [id, json] of Object.entries(records)) {
    const lastSeen = seenAt.get(id);
    const parsed = recordSchema.safeParse(safeJson(json));
    if (lastSeen === undefined || !parsed.success) continue;
    const record = parsed.data;
    const info: WorkerInfo = {
      id,
      host: record.host,
      pid: record.pid,
      queues: record.queues,
      concurrency: record.concurrency,
      inFlight: record.inFlight,
      startedAt: new Date(startedAt.get(id) ?? lastSeen),
      lastSeenAt: new Date(lastSeen),
    };
    (now - lastSeen > SILENT_AFTER_BEATS * record.intervalMs ? silent : live).push(info);
  }
  const byStart = (a: WorkerInfo, b: WorkerInfo): number => a.startedAt.getTime() - b.startedAt.getTime() || a.id.localeCompare(b.id);
  return { at: new Date(now), live: live.sort(byStart), silent: silent.sort(byStart) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
