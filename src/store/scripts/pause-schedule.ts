import { defineScript } from '../script.js';
import { taggedReply } from '../script-reply.js';
import type { NextDue, ScheduleInput } from './schedule-input.js';

export interface PauseScheduleInput extends ScheduleInput {
  readonly pause: boolean;
  /** Resuming: the next tick and its due score; null: none left. */
  readonly next: NextDue | null;
}

/** pause-schedule.lua: pause a schedule, or resume it from the given tick. */
export const pauseSchedule = defineScript<PauseScheduleInput, 'paused' | 'resumed' | 'missing'>({
  name: 'pause-schedule',
  keys: ({ keys, id }) => [keys.schedule(id), keys.schedules.due],
  args: ({ id, pause, next }) => [id, pause ? '1' : '0', next?.tick ?? '', next?.due ?? ''],
  decode: (reply) => taggedReply('pause-schedule', [reply], ['paused', 'resumed', 'missing'])[0],
});
