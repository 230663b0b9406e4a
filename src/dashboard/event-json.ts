import type { CeleriacEvent } from '../store/events.js';
import type { EventJson } from './api-types.js';

/** An event as the page reads it: Dates as milliseconds, other fields as the event has them. */
export function eventJson(event: CeleriacEvent): EventJson {
  const { at, ...rest } = event;
  return { ...rest, at: at.getTime() };
}
