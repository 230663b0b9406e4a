import { defineScript } from '../script.js';
import { taggedReply } from '../script-reply.js';
import type { ScheduleInput } from './schedule-input.js';

/** delete-schedule.lua: remove a schedule. */
export const deleteSchedule = defineScript<ScheduleInput, 'deleted' | 'missing'>({
  name: 'delete-schedule',
  keys: ({ keys, id }) => [keys.schedule(id), keys.schedules.due, keys.schedules.ids],
  args: ({ id }) => [id],
  decode: (reply) => taggedReply('delete-schedule', [reply], ['deleted', 'missing'])[0],
});
