import { RUN_STATUSES, type RunStatus } from './records.js';

/**
 * What a run's channel says when the run finishes (written by finishMessage in
 * scripts/includes/run.lua, and read only here): the status, and for a succeeded run whose output
 * is small, the results its output template reads, in templateNodes order (graph/template.ts).
 */
export interface FinishMessage {
  readonly status: RunStatus;
  /** null: the message does not carry them (a large output, a damaged run, another status). */
  readonly values: readonly unknown[] | null;
}

/** A run channel's message, or null for one in no format written here. */
export function parseFinishMessage(text: string): FinishMessage | null {
  const newline = text.indexOf('\n');
  const status = newline < 0 ? text : text.slice(0, newline);
  if (!(RUN_STATUSES as readonly string[]).includes(status)) return null;
  if (newline < 0) return { status: status as RunStatus, values: null };
  let values: unknown;
  try {
    // Results are JSON from the workers' encoder, joined by the script: trusted like a start reply.
    values = JSON.parse(text.slice(newline + 1));
  } catch {
    return { status: status as RunStatus, values: null };
  }
  return { status: status as RunStatus, values: Array.isArray(values) ? values : null };
}
