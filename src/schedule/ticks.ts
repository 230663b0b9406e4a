import { Cron } from 'croner';
import { ConfigError } from '../errors/index.js';

/**
 * When a schedule fires (issue 20; docs/scheduling.md): its ticks, as instants in ms since the
 * epoch. Cron patterns are parsed and stepped by croner in the schedule's IANA time zone, never
 * by hand; an interval counts from its anchor; a one-off has one tick.
 *
 * Daylight saving time follows cron's long-standing rule, which croner's stepping implements and
 * test/unit/schedule-ticks.test.ts holds it to at fixed instants: a fixed local time that does
 * not exist that day (in the spring-forward gap) fires once, right after the gap; a fixed local
 * time that occurs twice (the fall-back hour) fires once, at its first occurrence; patterns that
 * step every hour or minute follow real time, so none of their ticks is lost or doubled.
 */
export type ScheduleTiming =
  | { readonly kind: 'cron'; readonly cron: string; readonly timezone: string }
  | { readonly kind: 'every'; readonly everyMs: number; readonly anchorMs: number }
  | { readonly kind: 'at'; readonly atMs: number };

/** The window a schedule fires in: no tick before `startMs` or after `endMs` (both inclusive; absent: none). */
export interface TickWindow {
  readonly startMs?: number;
  readonly endMs?: number;
}

/** Shortest interval of an `every` schedule: below it, a scheduler would spend its time firing. */
export const MIN_EVERY_MS = 100;

/** Whether `timezone` is an IANA name the runtime knows ('UTC' included). */
function knownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A cron timing, checked: croner must parse the pattern (5 fields, or 6 with seconds first) and
 * the time zone must be an IANA name. `where` names the caller in the error.
 */
export function cronTiming(where: string, cron: unknown, timezone: unknown = 'UTC'): ScheduleTiming {
  if (typeof cron !== 'string' || cron.trim() === '') throw new ConfigError(where, 'cron must be a cron pattern such as "0 2 * * *"');
  if (typeof timezone !== 'string' || !knownTimeZone(timezone)) {
    throw new ConfigError(where, `timezone must be an IANA time zone name such as "Europe/Paris", got ${JSON.stringify(timezone)}`);
  }
  try {
    new Cron(cron, { timezone, paused: true });
  } catch (error) {
    throw new ConfigError(where, `cron ${JSON.stringify(cron)} is not a valid pattern: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { kind: 'cron', cron, timezone };
}

/** An interval timing, checked: whole milliseconds, at least MIN_EVERY_MS, counted from `anchorMs`. */
export function everyTiming(where: string, everyMs: unknown, anchorMs: number): ScheduleTiming {
  if (typeof everyMs !== 'number' || !Number.isSafeInteger(everyMs) || everyMs < MIN_EVERY_MS) {
    throw new ConfigError(where, `every must be a whole number of milliseconds, at least ${MIN_EVERY_MS}, got ${String(everyMs)}`);
  }
  return { kind: 'every', everyMs, anchorMs };
}

/**
 * The first tick strictly after `afterMs` inside `window`, or null when there is none (a one-off
 * that passed, a window that ended, a cron pattern that never matches again).
 */
export function nextTick(timing: ScheduleTiming, afterMs: number, window: TickWindow = {}): number | null {
  const from = window.startMs !== undefined ? Math.max(afterMs, window.startMs - 1) : afterMs;
  let tick: number | null;
  switch (timing.kind) {
    case 'at':
      tick = timing.atMs > from ? timing.atMs : null;
      break;
    case 'every': {
      const steps = Math.floor((from - timing.anchorMs) / timing.everyMs) + 1;
      tick = timing.anchorMs + Math.max(steps, 0) * timing.everyMs;
      break;
    }
    case 'cron': {
      // croner steps from a Date; its result is the next match strictly after it.
      const next = new Cron(timing.cron, { timezone: timing.timezone, paused: true }).nextRun(new Date(from));
      tick = next ? next.getTime() : null;
      break;
    }
  }
  if (tick === null || (window.endMs !== undefined && tick > window.endMs)) return null;
  return tick;
}

/** The ticks in (fromMs, toMs], in order, at most `limit` of them (a backfill's range, a catch-up). */
export function ticksBetween(timing: ScheduleTiming, fromMs: number, toMs: number, limit: number, window: TickWindow = {}): number[] {
  const ticks: number[] = [];
  let after = fromMs;
  while (ticks.length < limit) {
    const tick = nextTick(timing, after, window);
    if (tick === null || tick > toMs) break;
    ticks.push(tick);
    after = tick;
  }
  return ticks;
}
