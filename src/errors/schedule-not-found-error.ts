import { CeleriacError } from './celeriac-error.js';

/** No schedule has this id (it was never created, or was deleted). */
export class ScheduleNotFoundError extends CeleriacError {
  readonly code = 'SCHEDULE_NOT_FOUND';
  readonly scheduleId: string;

  constructor(scheduleId: string) {
    super(`no schedule "${scheduleId}" (app.schedules.list() lists them)`);
    this.scheduleId = scheduleId;
  }
}
