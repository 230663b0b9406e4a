import { defineScript } from '../script.js';
import { taggedReply } from '../script-reply.js';
import type { NextDue, ScheduleInput } from './schedule-input.js';

export interface ClaimTickInput extends ScheduleInput {
  /** The `next` read before computing the claim; null: a trigger (does not move `next`). */
  readonly expected: number | null;
  readonly next: NextDue | null;
  /** The tick fired, with its run id; null: the claim only moves `next`. */
  readonly fire: { readonly tick: number; readonly runId: string } | null;
  readonly missed: number;
  readonly skipped: number;
  readonly now: number;
}

/** claim-tick.lua: claim a due tick (compare-and-set on `next`), recording its fire. */
export const claimTick = defineScript<ClaimTickInput, 'claimed' | 'stale' | 'paused' | 'missing'>({
  name: 'claim-tick',
  keys: ({ keys, id }) => [keys.schedule(id), keys.schedules.due, keys.schedules.firing],
  args: ({ id, expected, next, fire, missed, skipped, now }) => [
    id,
    expected ?? '',
    next?.tick ?? '',
    next?.due ?? '',
    fire?.tick ?? '',
    fire?.runId ?? '',
    missed,
    skipped,
    now,
  ],
  decode: (reply) => taggedReply('claim-tick', [reply], ['claimed', 'stale', 'paused', 'missing'])[0],
});
