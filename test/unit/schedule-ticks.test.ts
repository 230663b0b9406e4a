import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { cronTiming, everyTiming, nextTick, type ScheduleTiming, ticksBetween } from '../../src/schedule/ticks.js';

/** The ticks in (from, to] as ISO instants and local wall-clock times, for reading the DST cases. */
function ticks(timing: ScheduleTiming, from: string, to: string): string[] {
  const timezone = timing.kind === 'cron' ? timing.timezone : 'UTC';
  return ticksBetween(timing, Date.parse(from), Date.parse(to), 100).map(
    (tick) => `${new Date(tick).toISOString()} ${new Date(tick).toLocaleString('sv-SE', { timeZone: timezone })}`,
  );
}

const where = 'schedules.upsert()';

describe('schedule ticks: cron stepped by croner in an IANA time zone, with cron\'s DST rule', () => {
  it('Europe/Paris, 2026-03-29 (clocks go from 02:00 to 03:00): a fixed time in the gap fires once, right after it', () => {
    expect(ticks(cronTiming(where, '30 2 * * *', 'Europe/Paris'), '2026-03-27T12:00:00Z', '2026-03-30T12:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z 2026-03-28 02:30:00',
      '2026-03-29T01:00:00.000Z 2026-03-29 03:00:00',
      '2026-03-30T00:30:00.000Z 2026-03-30 02:30:00',
    ]);
  });

  it('Europe/Paris, 2026-10-25 (02:00-03:00 happens twice): a fixed time in it fires once, at its first occurrence', () => {
    expect(ticks(cronTiming(where, '30 2 * * *', 'Europe/Paris'), '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z 2026-10-25 02:30:00',
      '2026-10-26T01:30:00.000Z 2026-10-26 02:30:00',
    ]);
  });

  it('America/New_York, 2026-03-08 and 2026-11-01: the same rule', () => {
    expect(ticks(cronTiming(where, '30 2 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-08T07:00:00.000Z 2026-03-08 03:00:00',
      '2026-03-09T06:30:00.000Z 2026-03-09 02:30:00',
    ]);
    expect(ticks(cronTiming(where, '30 1 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z 2026-11-01 01:30:00',
      '2026-11-02T06:30:00.000Z 2026-11-02 01:30:00',
    ]);
  });

  it('patterns that step every hour or minute follow real time across both changes: none lost, none doubled', () => {
    // Spring forward in Paris: one tick per real hour, local 02:00 never exists.
    expect(ticks(cronTiming(where, '0 * * * *', 'Europe/Paris'), '2026-03-28T23:30:00Z', '2026-03-29T02:30:00Z')).toEqual([
      '2026-03-29T00:00:00.000Z 2026-03-29 01:00:00',
      '2026-03-29T01:00:00.000Z 2026-03-29 03:00:00',
      '2026-03-29T02:00:00.000Z 2026-03-29 04:00:00',
    ]);
    // Fall back in New York: every 30 minutes of real time, the repeated local hour included.
    expect(ticks(cronTiming(where, '*/30 * * * *', 'America/New_York'), '2026-11-01T04:45:00Z', '2026-11-01T07:15:00Z')).toEqual([
      '2026-11-01T05:00:00.000Z 2026-11-01 01:00:00',
      '2026-11-01T05:30:00.000Z 2026-11-01 01:30:00',
      '2026-11-01T06:00:00.000Z 2026-11-01 01:00:00',
      '2026-11-01T06:30:00.000Z 2026-11-01 01:30:00',
      '2026-11-01T07:00:00.000Z 2026-11-01 02:00:00',
    ]);
  });

  it('intervals count from their anchor; a window bounds every kind, its ends included', () => {
    const anchor = Date.parse('2026-12-07T00:00:00Z');
    const every = everyTiming(where, 300_000, anchor);
    expect(nextTick(every, anchor)).toBe(anchor + 300_000);
    expect(nextTick(every, anchor - 1)).toBe(anchor);
    expect(nextTick(every, anchor + 299_999)).toBe(anchor + 300_000);
    expect(ticksBetween(every, anchor, anchor + 1_000_000, 10)).toEqual([anchor + 300_000, anchor + 600_000, anchor + 900_000]);
    const window = { startMs: anchor + 600_000, endMs: anchor + 900_000 };
    expect(ticksBetween(every, anchor - 10, anchor + 5_000_000, 10, window)).toEqual([anchor + 600_000, anchor + 900_000]);
    expect(nextTick(cronTiming(where, '0 2 * * *', 'UTC'), anchor, { endMs: anchor + 3_600_000 })).toBeNull();
    expect(nextTick({ kind: 'at', atMs: anchor }, anchor - 1)).toBe(anchor);
    expect(nextTick({ kind: 'at', atMs: anchor }, anchor)).toBeNull();
    expect(ticksBetween(every, anchor, anchor + 10_000_000, 2)).toHaveLength(2);
  });

  it('refuses a bad pattern, an unknown time zone or a tiny interval with a ConfigError naming what is wrong', () => {
    expect(() => cronTiming(where, '61 * * * *', 'UTC')).toThrow(ConfigError);
    expect(() => cronTiming(where, '61 * * * *', 'UTC')).toThrow(/schedules\.upsert\(\): cron "61 \* \* \* \*" is not a valid pattern/);
    expect(() => cronTiming(where, '0 2 * * *', 'Europe/Pariss')).toThrow(/timezone must be an IANA time zone name such as "Europe\/Paris", got "Europe\/Pariss"/);
    expect(() => cronTiming(where, '', 'UTC')).toThrow(/cron must be a cron pattern/);
    expect(() => everyTiming(where, 50, 0)).toThrow(/every must be a whole number of milliseconds, at least 100, got 50/);
    expect(() => everyTiming(where, 1.5e3 + 0.5, 0)).toThrow(ConfigError);
  });
});
