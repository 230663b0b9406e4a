// How times, durations and counts read on every page.
import { STATUS_NAMES, type EventJson, type StatusName } from '../api-types.js';

const numbers = new Intl.NumberFormat('en-US');
export const count = (value: number): string => numbers.format(value);

export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  const h = Math.floor(s / 3600);
  if (h < 48) return `${h}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function ago(at: number | undefined, now: number): string {
  if (at === undefined) return '–';
  const ms = now - at;
  if (ms < 5_000) return 'just now';
  return `${duration(ms).replace(/ \d+(ms|s)$|\.\d+/, '')} ago`;
}

export function clock(at: number | undefined): string {
  if (at === undefined) return '–';
  const date = new Date(at);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Node i's status from RunView.statuses, whose characters are indexes into STATUS_NAMES. */
export function statusOfCode(code: number): StatusName {
  return STATUS_NAMES[code] ?? 'pending';
}

/** Which statuses a node event moves a node into; others (progress) leave it where it is. */
export function statusOfEvent(event: Pick<EventJson, 'type' | 'dueAt'>): StatusName | undefined {
  switch (event.type) {
    case 'node.started':
      return 'running';
    case 'node.succeeded':
      return 'succeeded';
    case 'node.failed':
      return 'failed';
    case 'node.cancelled':
      return 'cancelled';
    case 'node.skipped':
      return 'skipped';
    case 'node.retrying':
      return 'delayed';
    case 'node.expanded':
      // The map node waits for the element runs it added.
      return 'pending';
    case 'node.queued':
      // dueAt: it waits in the delayed set (countdown or eta).
      return event.dueAt !== undefined ? 'delayed' : 'queued';
    default:
      return undefined;
  }
}

export const isFinished = (status: string): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled' || status === 'skipped';
