// Each attempt of a node, read from its events still in the stream (NodeDetail.history): when it
// was due, when it started and on which worker, how it ended. Redis keeps only the node's latest
// times, so older attempts are known only while their events are retained.
import type { EventErrorJson, EventJson, NodeDetail } from '../api-types.js';

export interface AttemptRow {
  readonly attempt: number;
  readonly startedAt?: number;
  /** Start minus when it became due (queued, or a retry's backoff ended). */
  readonly queueDelayMs?: number;
  readonly durationMs?: number;
  readonly worker?: string;
  readonly outcome: 'running' | 'succeeded' | 'failed' | 'retrying' | 'cancelled' | 'unknown';
  readonly error?: EventErrorJson;
}

interface Building {
  attempt: number;
  startedAt?: number;
  dueAt?: number;
  worker?: string;
  endedAt?: number;
  outcome: AttemptRow['outcome'];
  error?: EventErrorJson;
}

const ENDINGS: Readonly<Record<string, AttemptRow['outcome']>> = {
  'node.succeeded': 'succeeded',
  'node.failed': 'failed',
  'node.retrying': 'retrying',
  'node.cancelled': 'cancelled',
};

/** The node's attempts, oldest first; the latest one is completed from the node's own times. */
export function attemptRows(detail: NodeDetail): AttemptRow[] {
  const rows = new Map<number, Building>();
  const row = (attempt: number): Building => {
    let found = rows.get(attempt);
    if (!found) {
      found = { attempt, outcome: 'unknown' };
      rows.set(attempt, found);
    }
    return found;
  };
  // When the next attempt became due: a retry's backoff end, or a (re)queue.
  let nextDue: number | undefined;
  for (const event of detail.history as readonly EventJson[]) {
    if (event.type === 'node.queued') {
      nextDue = event.dueAt ?? event.at;
      continue;
    }
    if (event.attempt === undefined) continue;
    const current = row(event.attempt);
    if (event.type === 'node.started') {
      current.startedAt = event.at;
      if (event.worker !== undefined) current.worker = event.worker;
      if (nextDue !== undefined) current.dueAt = nextDue;
      current.outcome = 'running';
      nextDue = undefined;
      continue;
    }
    const ending = ENDINGS[event.type];
    if (ending === undefined) continue;
    current.endedAt = event.at;
    current.outcome = ending;
    if (event.error !== undefined) current.error = event.error;
    if (event.type === 'node.retrying') nextDue = event.at + (event.delayMs ?? 0);
  }
  // The node's stored times describe its latest attempt even when its events are gone.
  if (detail.attempts > 0) {
    const latest = row(detail.attempts);
    latest.startedAt ??= detail.startedAt;
    if (latest.dueAt === undefined && detail.queuedAt !== undefined && detail.attempts === 1) latest.dueAt = detail.queuedAt;
    if (latest.outcome === 'unknown' || latest.outcome === 'running') {
      if (detail.status === 'succeeded' || detail.status === 'failed' || detail.status === 'cancelled') {
        latest.outcome = detail.status;
        latest.endedAt ??= detail.finishedAt;
        if (detail.status === 'failed' && detail.error !== undefined) latest.error ??= detail.error;
      } else if (detail.status === 'running') {
        latest.outcome = 'running';
      }
    }
  }
  return [...rows.values()]
    .sort((a, b) => a.attempt - b.attempt)
    .map((built) => ({
      attempt: built.attempt,
      outcome: built.outcome,
      ...(built.startedAt !== undefined ? { startedAt: built.startedAt } : {}),
      ...(built.startedAt !== undefined && built.dueAt !== undefined ? { queueDelayMs: Math.max(0, built.startedAt - built.dueAt) } : {}),
      ...(built.startedAt !== undefined && built.endedAt !== undefined ? { durationMs: built.endedAt - built.startedAt } : {}),
      ...(built.worker !== undefined ? { worker: built.worker } : {}),
      ...(built.error !== undefined ? { error: built.error } : {}),
    }));
}
