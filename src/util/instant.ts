import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

// An offset is required: a time without one would be read in the local zone of whichever process
// parses it, and the submitter and Redis may not share one.
const isoInstant = z.iso.datetime({ offset: true });

/**
 * An absolute time (`eta`, `startAt`) as ms since the epoch: a valid Date, or an ISO 8601 string
 * with its offset or `Z`. Anything else is a ConfigError naming `where`.
 */
export function parseInstant(value: unknown, where: string): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new ConfigError(where, 'is an invalid Date');
    return ms;
  }
  if (typeof value === 'string') {
    if (!isoInstant.safeParse(value).success) {
      throw new ConfigError(where, `${JSON.stringify(value.slice(0, 60))} is not an ISO 8601 date-time with an offset (e.g. 2026-12-07T09:00:00Z)`);
    }
    return Date.parse(value);
  }
  throw new ConfigError(where, 'must be a Date or an ISO 8601 string');
}
