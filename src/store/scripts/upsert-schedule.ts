import { defineScript } from '../script.js';
import { taggedReply } from '../script-reply.js';
import type { NextDue, ScheduleInput } from './schedule-input.js';

export interface UpsertScheduleInput extends ScheduleInput {
  readonly defJson: string;
  /** Next tick and its due score (ms); null: none. */
  readonly next: NextDue | null;
  readonly paused: boolean;
  readonly now: number;
}

/** upsert-schedule.lua: create a schedule or replace its definition. */
export const upsertSchedule = defineScript<UpsertScheduleInput, 'created' | 'updated'>({
  name: 'upsert-schedule',
  keys: ({ keys, id }) => [keys.schedule(id), keys.schedules.due, keys.schedules.ids],
  args: ({ id, defJson, next, paused, now }) => [id, defJson, next?.tick ?? '', next?.due ?? '', paused ? '1' : '0', now],
  decode: (reply) => taggedReply('upsert-schedule', [reply], ['created', 'updated'])[0],
});
