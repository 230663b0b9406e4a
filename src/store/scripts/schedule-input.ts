import type { KeySpace } from '../keys.js';

/** What every schedule script takes: the app's keys and the schedule's id. */
export interface ScheduleInput {
  readonly keys: KeySpace;
  readonly id: string;
}

/** A schedule's next tick and the score it is due at (its tick plus its jitter), ms. */
export interface NextDue {
  readonly tick: number;
  readonly due: number;
}
