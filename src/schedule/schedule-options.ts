import type { AnyCanvas } from '../canvas/canvas.js';
import { ConfigError } from '../errors/index.js';
import { OVERLAP_POLICIES, type OverlapPolicy } from '../store/schedule-format.js';
import { parseInstant } from '../util/instant.js';
import { cronTiming, everyTiming, type ScheduleTiming, type TickWindow } from './ticks.js';

/** `app.schedules.upsert(id, options)`: when a schedule fires, and what it starts. */
export interface ScheduleOptions {
  /** A cron pattern (5 fields, or 6 with seconds first), in `timezone`. One of cron, every, at. */
  readonly cron?: string;
  /** The IANA time zone of `cron` (default 'UTC'). */
  readonly timezone?: string;
  /** Every this many ms (at least 100), counted from `startAt` (or from the upsert). */
  readonly every?: number;
  /** Once, at this instant. */
  readonly at?: Date | string;
  /** What each tick starts: stored as data (its plan), checked against the app's tasks now. */
  readonly canvas: AnyCanvas;
  /** When a tick comes while the previous fire's run still runs. Default 'skip'. */
  readonly overlap?: OverlapPolicy;
  /** Ticks missed by less than this fire late; older ones are counted as missed. Default 60,000. */
  readonly catchUpWindowMs?: number;
  /** Each fire waits up to this long after its tick (the same delay for a tick in every process). Default 0. */
  readonly jitterMs?: number;
  /** No tick before this instant. */
  readonly startAt?: Date | string;
  /** No tick after this instant. */
  readonly endAt?: Date | string;
  /** Created paused (no tick fires until resume()). Default false. */
  readonly paused?: boolean;
  /** The name of the runs it starts (default: `schedule:<id>`). */
  readonly name?: string;
}

/** Schedule ids: what a run id allows, and `.` and `:` (never `|`, which the firing set uses). */
const SCHEDULE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function checkScheduleId(where: string, id: unknown): string {
  if (typeof id !== 'string' || !SCHEDULE_ID.test(id)) {
    throw new ConfigError(where, 'the schedule id must be 1-128 letters, digits, "_", "-", "." or ":"');
  }
  return id;
}

/** The options, checked (ConfigError naming what is wrong), as the stored definition's parts. */
export interface CheckedScheduleOptions {
  readonly timing: ScheduleTiming;
  readonly window: TickWindow;
  readonly overlap: OverlapPolicy;
  readonly catchUpWindowMs: number;
  readonly jitterMs: number;
  readonly paused: boolean;
  readonly runName: string;
  readonly canvas: AnyCanvas;
}

function wholeMs(where: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new ConfigError(where, `${name} must be a whole number of ms, 0 or more`);
  return value;
}

export function checkScheduleOptions(where: string, id: string, options: ScheduleOptions, nowMs: number): CheckedScheduleOptions {
  if (typeof options !== 'object' || options === null) throw new ConfigError(where, 'options must be an object');
  const kinds = (['cron', 'every', 'at'] as const).filter((kind) => options[kind] !== undefined);
  if (kinds.length !== 1) throw new ConfigError(where, `give exactly one of cron, every or at (got ${kinds.length === 0 ? 'none' : kinds.join(', ')})`);
  if (options.timezone !== undefined && options.cron === undefined) throw new ConfigError(where, 'timezone goes with cron');
  const startMs = options.startAt === undefined ? undefined : parseInstant(options.startAt, `${where}: startAt`);
  const endMs = options.endAt === undefined ? undefined : parseInstant(options.endAt, `${where}: endAt`);
  if (startMs !== undefined && endMs !== undefined && endMs < startMs) throw new ConfigError(where, 'endAt is before startAt');
  const timing: ScheduleTiming =
    options.cron !== undefined
      ? cronTiming(where, options.cron, options.timezone ?? 'UTC')
      : options.every !== undefined
        ? everyTiming(where, options.every, startMs ?? nowMs)
        : { kind: 'at', atMs: parseInstant(options.at as Date | string, `${where}: at`) };
  const overlap = options.overlap ?? 'skip';
  if (!OVERLAP_POLICIES.includes(overlap)) throw new ConfigError(where, `overlap must be one of ${OVERLAP_POLICIES.join(', ')}`);
  if (options.paused !== undefined && typeof options.paused !== 'boolean') throw new ConfigError(where, 'paused must be true or false');
  if (options.name !== undefined && typeof options.name !== 'string') throw new ConfigError(where, 'name must be a string');
  return {
    timing,
    window: { ...(startMs !== undefined ? { startMs } : {}), ...(endMs !== undefined ? { endMs } : {}) },
    overlap,
    catchUpWindowMs: wholeMs(where, 'catchUpWindowMs', options.catchUpWindowMs, 60_000),
    jitterMs: wholeMs(where, 'jitterMs', options.jitterMs, 0),
    paused: options.paused ?? false,
    runName: options.name ?? `schedule:${id}`,
    canvas: options.canvas,
  };
}
