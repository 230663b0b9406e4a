import { RUN_STATUSES, type RunStatus } from './records.js';

/**
 * What a run's channel says when the run finishes (written by finishMessage in
 * scripts/includes/run.lua, and read only here): the status, followed by `@<reopened>` once the
 * run was resumed or rerun, and for a succeeded run whose output is small, a line break and the
 * results its output template reads, in templateNodes order (graph/template.ts).
 */
export interface FinishMessage {
  readonly status: RunStatus;
  /** How many times the run had been reopened when it finished (0: never). */
  readonly reopened: number;
  /** null: the message does not carry them (a large output, a damaged run, another status). */
  readonly values: readonly unknown[] | null;
}

/** A run channel's message, or null for one in no format written here. */
export function parseFinishMessage(text: string): FinishMessage | null {
  const newline = text.indexOf('\n');
  const head = newline < 0 ? text : text.slice(0, newline);
  const at = head.indexOf('@');
  const status = at < 0 ? head : head.slice(0, at);
  const reopened = at < 0 ? 0 : Number(head.slice(at + 1));
  if (!(RUN_STATUSES as readonly string[]).includes(status) || !Number.isInteger(reopened) || reopened < 0) return null;
  if (newline < 0) return { status: status as RunStatus, reopened, values: null };
  let values: unknown;
  try {
    // Results are JSON from the workers' encoder, joined by the script: trusted like a start reply.
    values = JSON.parse(text.slice(newline + 1));
  } catch {
    return { status: status as RunStatus, reopened, values: null };
  }
  return { status: status as RunStatus, reopened, values: Array.isArray(values) ? values : null };
}
