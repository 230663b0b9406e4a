/**
 * The faults the chaos suite injects while runs are in flight, one at a time, in a seeded order
 * (every kind at least once, then at random):
 * - kill-worker: SIGKILL a worker process mid-task and start a new one;
 * - stall-worker: SIGSTOP a worker past its lease, then SIGCONT (its late completions must be
 *   fenced off);
 * - restart-redis: SIGKILL redis-server and start it again on its AOF;
 * - drop-connections: CLIENT KILL every worker connection (they reconnect);
 * - lose-message: delete a ready message by hand (the node is an orphan until a repair sweep).
 */
import { Redis } from 'ioredis';
import type { RedisServer } from '../helpers/redis-server.js';
import type { WorkerPool } from './processes.js';
import { random } from './shapes.js';

export const FAULT_KINDS = ['lose-message', 'kill-worker', 'restart-redis', 'stall-worker', 'drop-connections'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRecord {
  readonly kind: FaultKind;
  readonly at: number;
  /** restart-redis: when the server answered again. */
  readonly upAt?: number;
  /** lose-message: the message deleted ("" when no message was ready then). */
  readonly message?: string;
  /** drop-connections: how many connections were killed. */
  readonly connections?: number;
}

export interface FaultSettings {
  readonly seed: number;
  readonly prefix: string;
  readonly visibilityTimeoutMs: number;
  /** Mean pause between faults. */
  readonly everyMs: number;
  readonly readyKey: string;
  readonly delayedKey: string;
}

/** Inject faults until `until()` says stop; returns what was done. */
export async function injectFaults(server: RedisServer, pool: WorkerPool, settings: FaultSettings, until: () => boolean): Promise<FaultRecord[]> {
  const next = random(settings.seed ^ 0x5eed);
  const records: FaultRecord[] = [];
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let index = 0; !until(); index++) {
    await pause(settings.everyMs * (0.5 + next()));
    if (until()) break;
    const kind = index < FAULT_KINDS.length ? FAULT_KINDS[index]! : FAULT_KINDS[Math.floor(next() * FAULT_KINDS.length)]!;
    const worker = Math.floor(next() * pool.size);
    const at = Date.now();
    switch (kind) {
      case 'kill-worker':
        await pool.killAndRespawn(worker);
        records.push({ kind, at });
        break;
      case 'stall-worker':
        // Past the lease, so that another worker takes its nodes over meanwhile.
        await pool.stall(worker, Math.round(settings.visibilityTimeoutMs * 1.6));
        records.push({ kind, at });
        break;
      case 'restart-redis': {
        await server.kill();
        await pause(200 + next() * 800);
        await server.restart();
        records.push({ kind, at, upAt: Date.now() });
        break;
      }
      case 'drop-connections':
        records.push({ kind, at, connections: await withAdmin(server, (admin) => dropWorkerConnections(admin, settings.prefix)) });
        break;
      case 'lose-message': {
        // A ready message, else a delayed one (a countdown or a retry's backoff); wait a little
        // for one if the workers have drained both.
        const message = await withAdmin(server, async (admin) => {
          for (let tries = 0; tries < 40; tries++) {
            for (const key of [settings.readyKey, settings.delayedKey]) {
              const [member] = await admin.zpopmin(key);
              if (member) return member;
            }
            await pause(25);
          }
          return '';
        });
        records.push({ kind, at, message });
        break;
      }
    }
  }
  return records;
}

async function withAdmin<T>(server: RedisServer, body: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = new Redis(server.url, { maxRetriesPerRequest: 3 });
  admin.on('error', () => undefined);
  try {
    return await body(admin);
  } finally {
    admin.disconnect();
  }
}

/** Kill every connection a worker of the app opened (named celeriac:<prefix>:worker...). */
async function dropWorkerConnections(admin: Redis, prefix: string): Promise<number> {
  const list = String(await admin.client('LIST'));
  const ids = list
    .split('\n')
    .filter((line) => line.includes(` name=celeriac:${prefix}:worker`))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) await admin.client('KILL', 'ID', id);
  return ids.length;
}
