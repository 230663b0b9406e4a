import { createHash } from 'node:crypto';
import { encodeTime } from 'ulid';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The run id of a schedule's tick: a ULID whose time is the tick and whose random part is a hash
 * of (schedule, tick). Every process that fires the tick makes the same id, so a second submit of
 * it is RunExistsError and makes no second run: a tick starts one run however many schedulers
 * fire it, and a fire retried after a crash is a no-op.
 */
export function tickRunId(scheduleId: string, tick: number): string {
  const digest = createHash('sha256').update(`${scheduleId}|${tick}`).digest();
  let random = '';
  for (let index = 0; index < 16; index++) random += CROCKFORD[digest[index]! % 32];
  return `${encodeTime(tick, 10)}${random}`;
}

/** The delay of a tick's fire after it, in [0, jitterMs): the same in every process. */
export function tickJitter(scheduleId: string, tick: number, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  return createHash('sha256').update(`jitter|${scheduleId}|${tick}`).digest().readUInt32BE(0) % jitterMs;
}
