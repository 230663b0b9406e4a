import pc from 'picocolors';
import type { NodeStatus, RunStatus } from '../store/records.js';

/** Colours only when writing to a terminal (and NO_COLOR is unset). */
export function palette(enabled: boolean) {
  const colors = pc.createColors(enabled);
  const byStatus: Record<NodeStatus | RunStatus, (text: string) => string> = {
    pending: colors.dim,
    queued: colors.cyan,
    delayed: colors.cyan,
    running: colors.blue,
    succeeded: colors.green,
    failed: colors.red,
    cancelled: colors.yellow,
    skipped: colors.dim,
  };
  return {
    status: (status: NodeStatus | RunStatus, text: string = status) => byStatus[status](text),
    dim: colors.dim,
    bold: colors.bold,
    red: colors.red,
  };
}
export type Palette = ReturnType<typeof palette>;

export function colorsFor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** 12 ms, 3.4 s, 2 min 5 s, 1 h 3 min */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

export function formatTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
