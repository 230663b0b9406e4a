import type { AnyCanvas } from '../canvas/canvas.js';
import { ConfigError, RunExistsError, ScheduleNotFoundError } from '../errors/index.js';
import type { SubmissionPlan } from '../graph/plan.js';
import type { KeySpace } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { RunStatus } from '../store/records.js';
import {
  encodeScheduleDef,
  firingMember,
  type OverlapPolicy,
  parseFiringMember,
  parseScheduleHash,
  type ScheduleDef,
  type StoredSchedule,
} from '../store/schedule-format.js';
import { claimTick } from '../store/scripts/claim-tick.js';
import { deleteSchedule } from '../store/scripts/delete-schedule.js';
import { fireDone } from '../store/scripts/fire-done.js';
import { pauseSchedule } from '../store/scripts/pause-schedule.js';
import type { NextDue } from '../store/scripts/schedule-input.js';
import { upsertSchedule } from '../store/scripts/upsert-schedule.js';
import { newRunId } from '../util/run-ids.js';
import { checkScheduleId, checkScheduleOptions, type ScheduleOptions } from './schedule-options.js';
import { tickJitter, tickRunId } from './tick-run-id.js';
import { nextTick, ticksBetween } from './ticks.js';

/** What the schedules need of their app. */
export interface ScheduleHost {
  readonly keys: KeySpace;
  withRedis<T>(operation: (redis: RedisClient) => Promise<T>): Promise<T>;
  /** Plan a canvas as submit() would (checked against the app's tasks and limits); throws its typed error. */
  plan(canvas: AnyCanvas): Promise<SubmissionPlan>;
  /** Submit a run from a stored plan with this id (RunExistsError when it exists). */
  submitPlanned(runId: string, name: string, plan: Omit<SubmissionPlan, 'pendingChecks'>): Promise<void>;
  /** A run's status, or null when it does not exist (any more). */
  runStatus(runId: string): Promise<RunStatus | null>;
  cancelRun(runId: string): Promise<void>;
}

/** A schedule, as `get()` and `list()` show it. */
export interface ScheduleInfo {
  readonly id: string;
  readonly cron?: string;
  readonly timezone?: string;
  readonly every?: number;
  readonly at?: Date;
  readonly overlap: OverlapPolicy;
  readonly catchUpWindowMs: number;
  readonly jitterMs: number;
  readonly startAt?: Date;
  readonly endAt?: Date;
  readonly paused: boolean;
  /** The next tick (null: none left, or paused). */
  readonly nextFireAt: Date | null;
  /** Ticks older than the catch-up window when a scheduler came to them. */
  readonly missed: number;
  /** Ticks skipped by the overlap policy. */
  readonly skipped: number;
  /** The last fires, newest first (at most 20): the tick, the run it started, when it was claimed. */
  readonly lastFires: readonly { readonly tick: Date; readonly runId: string; readonly at: Date }[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** How long a claimed fire may wait for its submit before any scheduler submits it (its claimer died). */
const FIRE_RECOVERY_MS = 5_000;
/** Most ticks looked at per schedule per pass (a schedule that was off for years counts the rest later). */
const MAX_TICKS_PER_PASS = 10_000;
/** Schedules fired per pass. */
const DUE_PER_PASS = 100;

function infoOf(id: string, stored: StoredSchedule): ScheduleInfo {
  const { def } = stored;
  const timing = def.timing;
  return {
    id,
    ...(timing.kind === 'cron' ? { cron: timing.cron, timezone: timing.timezone } : {}),
    ...(timing.kind === 'every' ? { every: timing.everyMs } : {}),
    ...(timing.kind === 'at' ? { at: new Date(timing.atMs) } : {}),
    overlap: def.overlap,
    catchUpWindowMs: def.catchUpWindowMs,
    jitterMs: def.jitterMs,
    ...(def.window.startMs !== undefined ? { startAt: new Date(def.window.startMs) } : {}),
    ...(def.window.endMs !== undefined ? { endAt: new Date(def.window.endMs) } : {}),
    paused: stored.paused,
    nextFireAt: stored.paused || stored.next === null ? null : new Date(stored.next),
    missed: stored.missed,
    skipped: stored.skipped,
    lastFires: stored.fires.map((fire) => ({ tick: new Date(fire.tick), runId: fire.runId, at: new Date(fire.at) })),
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

/**
 * `app.schedules`: schedules stored in Redis, managed from any process, fired by any number of
 * schedulers (fireDue), each tick once (docs/scheduling.md).
 */
export class Schedules {
  /** @internal Made by the app (`app.schedules`). */
  constructor(private readonly host: ScheduleHost) {}

  /** Create or replace a schedule. The canvas is checked and stored as data now. */
  async upsert(id: string, options: ScheduleOptions): Promise<ScheduleInfo> {
    const where = 'schedules.upsert()';
    checkScheduleId(where, id);
    const now = Date.now();
    const checked = checkScheduleOptions(where, id, options, now);
    const plan = await this.host.plan(checked.canvas);
    const def: ScheduleDef = {
      timing: checked.timing,
      window: checked.window,
      overlap: checked.overlap,
      catchUpWindowMs: checked.catchUpWindowMs,
      jitterMs: checked.jitterMs,
      runName: checked.runName,
      plan,
    };
    let next = this.nextDue(id, def, now - 1);
    if (next === null && def.timing.kind === 'at') {
      // A one-off a little in the past (clock skew, a slow deploy) fires late, as a missed tick
      // would; one past the catch-up window would never fire, which is refused rather than kept.
      const { atMs } = def.timing;
      if (atMs < now - def.catchUpWindowMs) throw new ConfigError(where, `at ${new Date(atMs).toISOString()} is more than catchUpWindowMs ago: it would never fire`);
      next = { tick: atMs, due: atMs };
    }
    const { keys } = this.host;
    await this.host.withRedis((redis) => upsertSchedule.run(redis, { keys, id, defJson: encodeScheduleDef(def), next, paused: checked.paused, now }));
    return this.get(id);
  }

  async get(id: string): Promise<ScheduleInfo> {
    return infoOf(id, await this.read(checkScheduleId('schedules.get()', id)));
  }

  /** Every schedule, by id. */
  async list(): Promise<ScheduleInfo[]> {
    const { keys } = this.host;
    const ids = (await this.host.withRedis((redis) => redis.smembers(keys.schedules.ids))).sort();
    // One pipelined read for all of them (their hashes are in the app's slot).
    const replies = await this.host.withRedis(async (redis) => {
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.hgetall(keys.schedule(id));
      return (await pipeline.exec()) ?? [];
    });
    const found: ScheduleInfo[] = [];
    for (const [position, id] of ids.entries()) {
      const [error, fields] = replies[position] ?? [null, {}];
      if (error) throw error;
      const stored = parseScheduleHash(id, (fields ?? {}) as Record<string, string>);
      if (stored) found.push(infoOf(id, stored));
    }
    return found;
  }

  /** No tick fires until resume(); the ticks of the pause are neither fired nor counted as missed. */
  async pause(id: string): Promise<ScheduleInfo> {
    const { keys } = this.host;
    const outcome = await this.host.withRedis((redis) => pauseSchedule.run(redis, { keys, id: checkScheduleId('schedules.pause()', id), pause: true, next: null }));
    if (outcome === 'missing') throw new ScheduleNotFoundError(id);
    return this.get(id);
  }

  /** Fires again from the first tick after now. */
  async resume(id: string): Promise<ScheduleInfo> {
    const stored = await this.read(checkScheduleId('schedules.resume()', id));
    const next = this.nextDue(id, stored.def, Date.now());
    const { keys } = this.host;
    const outcome = await this.host.withRedis((redis) => pauseSchedule.run(redis, { keys, id, pause: false, next }));
    if (outcome === 'missing') throw new ScheduleNotFoundError(id);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const { keys } = this.host;
    return (await this.host.withRedis((redis) => deleteSchedule.run(redis, { keys, id: checkScheduleId('schedules.delete()', id) }))) === 'deleted';
  }

  /**
   * Fire now, once, under the overlap policy: the id of the run started, or null when the policy
   * skipped it (a run of the schedule still runs and overlap is 'skip' or 'bufferOne').
   */
  async trigger(id: string): Promise<string | null> {
    const stored = await this.read(checkScheduleId('schedules.trigger()', id));
    const now = Date.now();
    if (!(await this.overlapAllows(stored))) {
      await this.claim(id, { expected: null, next: null, fire: null, missed: 0, skipped: 1, now });
      return null;
    }
    const runId = newRunId();
    if ((await this.claim(id, { expected: null, next: null, fire: { tick: now, runId }, missed: 0, skipped: 0, now })) !== 'claimed') {
      throw new ScheduleNotFoundError(id);
    }
    await this.submitFire(stored.def, id, now, runId);
    return runId;
  }

  /**
   * The ticks of [from, to], each fired once (a tick already fired, by a scheduler or an earlier
   * backfill, starts nothing new), whatever the overlap policy. Returns the run ids, in tick order.
   */
  async backfill(id: string, range: { readonly from: Date | string; readonly to: Date | string }): Promise<string[]> {
    const where = 'schedules.backfill()';
    const stored = await this.read(checkScheduleId(where, id));
    const fromMs = typeof range?.from === 'string' ? Date.parse(range.from) : range?.from?.getTime();
    const toMs = typeof range?.to === 'string' ? Date.parse(range.to) : range?.to?.getTime();
    if (fromMs === undefined || toMs === undefined || !Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) {
      throw new ConfigError(where, 'give { from, to } as Dates or ISO strings, to not before from');
    }
    const ticks = ticksBetween(stored.def.timing, fromMs - 1, toMs, MAX_TICKS_PER_PASS, stored.def.window);
    const runIds: string[] = [];
    for (const tick of ticks) {
      const runId = tickRunId(id, tick);
      await this.claim(id, { expected: null, next: null, fire: { tick, runId }, missed: 0, skipped: 0, now: Date.now() });
      await this.submitFire(stored.def, id, tick, runId);
      runIds.push(runId);
    }
    return runIds;
  }

  /**
   * One scheduler pass: fire the due schedules (each claim a compare-and-set, so any number of
   * processes may run passes at once), then submit the fires whose claimer died before submitting.
   * Returns how many runs it started and when the next schedule is due (null: none).
   */
  async fireDue(now = Date.now()): Promise<{ fired: number; nextDueAt: number | null }> {
    const { keys } = this.host;
    const due = await this.host.withRedis((redis) => redis.zrangebyscore(keys.schedules.due, '-inf', now, 'LIMIT', 0, DUE_PER_PASS));
    let fired = 0;
    for (const id of due) if (await this.fireOne(id, now)) fired++;
    await this.recoverFires(now);
    const [, score] = await this.host.withRedis((redis) => redis.zrange(keys.schedules.due, 0, 0, 'WITHSCORES'));
    return { fired, nextDueAt: score === undefined ? null : Number(score) };
  }

  /** The due tick of one schedule: claimed (or found claimed by another process), then fired. */
  private async fireOne(id: string, now: number): Promise<boolean> {
    const stored = await this.readOrNull(id);
    if (!stored || stored.paused || stored.next === null || stored.next > now) return false;
    const { def } = stored;
    // Ticks from `next` up to now: those older than the catch-up window are missed, the first
    // within it fires (the later ones at the next passes).
    const ticks = ticksBetween(def.timing, stored.next - 1, now, MAX_TICKS_PER_PASS, def.window);
    const oldest = now - def.catchUpWindowMs;
    const missed = ticks.filter((tick) => tick < oldest).length;
    const tick = ticks.find((candidate) => candidate >= oldest);
    const after = tick ?? ticks.at(-1) ?? stored.next;
    const next = this.nextDue(id, def, after);
    if (tick === undefined) {
      await this.claim(id, { expected: stored.next, next, fire: null, missed, skipped: 0, now });
      return false;
    }
    if (!(await this.overlapAllows(stored))) {
      if (def.overlap === 'bufferOne') {
        // The tick waits while the previous run runs; the ticks that come meanwhile are skipped.
        const later = ticks.filter((candidate) => candidate > tick).length;
        if (later > 0) await this.claim(id, { expected: stored.next, next: { tick: ticks.at(-1)!, due: ticks.at(-1)! }, fire: null, missed, skipped: later, now });
      } else {
        await this.claim(id, { expected: stored.next, next, fire: null, missed, skipped: 1, now });
      }
      return false;
    }
    const runId = tickRunId(id, tick);
    if ((await this.claim(id, { expected: stored.next, next, fire: { tick, runId }, missed, skipped: 0, now })) !== 'claimed') return false;
    if (def.overlap === 'cancelPrevious' && stored.lastRun !== null) await this.host.cancelRun(stored.lastRun).catch(() => undefined);
    await this.submitFire(def, id, tick, runId);
    return true;
  }

  /** Whether the policy lets a new run start now (skip and bufferOne wait for the previous run). */
  private async overlapAllows(stored: StoredSchedule): Promise<boolean> {
    if (stored.def.overlap === 'allow' || stored.def.overlap === 'cancelPrevious' || stored.lastRun === null) return true;
    return (await this.host.runStatus(stored.lastRun)) !== 'running';
  }

  /** Submit a claimed fire's run (once: a second submit of its id is RunExistsError), then record it done. */
  private async submitFire(def: ScheduleDef, id: string, tick: number, runId: string): Promise<void> {
    try {
      await this.host.submitPlanned(runId, def.runName, def.plan);
    } catch (error) {
      if (!(error instanceof RunExistsError)) throw error;
    }
    const { keys } = this.host;
    await this.host.withRedis((redis) => fireDone.run(redis, { keys, member: firingMember(id, tick, runId) }));
  }

  /** Fires claimed more than FIRE_RECOVERY_MS ago and still in the firing set: their claimer died before submitting. */
  private async recoverFires(now: number): Promise<void> {
    const { keys } = this.host;
    const left = await this.host.withRedis((redis) => redis.zrangebyscore(keys.schedules.firing, '-inf', now - FIRE_RECOVERY_MS, 'LIMIT', 0, DUE_PER_PASS));
    for (const member of left) {
      const fire = parseFiringMember(member);
      const stored = fire && (await this.readOrNull(fire.id));
      if (!fire || !stored) {
        await this.host.withRedis((redis) => fireDone.run(redis, { keys, member }));
        continue;
      }
      await this.submitFire(stored.def, fire.id, fire.tick, fire.runId);
    }
  }

  private claim(id: string, claim: Omit<Parameters<typeof claimTick.run>[1], 'keys' | 'id'>): Promise<'claimed' | 'stale' | 'paused' | 'missing'> {
    const { keys } = this.host;
    return this.host.withRedis((redis) => claimTick.run(redis, { keys, id, ...claim }));
  }

  /** The first tick after `afterMs`, with its due score (tick + jitter); null when none is left. */
  private nextDue(id: string, def: ScheduleDef, afterMs: number): NextDue | null {
    const tick = nextTick(def.timing, afterMs, def.window);
    return tick === null ? null : { tick, due: tick + tickJitter(id, tick, def.jitterMs) };
  }

  private async readOrNull(id: string): Promise<StoredSchedule | null> {
    const { keys } = this.host;
    return parseScheduleHash(id, await this.host.withRedis((redis) => redis.hgetall(keys.schedule(id))));
  }

  private async read(id: string): Promise<StoredSchedule> {
    const stored = await this.readOrNull(id);
    if (!stored) throw new ScheduleNotFoundError(id);
    return stored;
  }
}
