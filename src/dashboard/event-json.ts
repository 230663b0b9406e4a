import type { CeleriacEvent } from '../store/events.js';
import type { EventJson } from './api-types.js';

/** An event as the page reads it: Dates as milliseconds, other fields as the event has them. */
export function eventJson(event: CeleriacEvent): EventJson {
  if (event.type === 'node.queued') {
    const { at, dueAt, ...rest } = event;
    return { ...rest, at: at.getTime(), ...(dueAt !== undefined ? { dueAt: dueAt.getTime() } : {}) };
  }
  const { at, ...rest } = event;
  return { ...rest, at: at.getTime() };
}
