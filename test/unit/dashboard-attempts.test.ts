import { describe, expect, it } from 'vitest';
import type { EventJson, NodeDetail } from '../../src/dashboard/api-types.js';
import { attemptRows } from '../../src/dashboard/client/attempts.js';

const base: NodeDetail = { runId: 'r', id: '3', task: 'charge', status: 'succeeded', queue: 'default', attempts: 0, parents: [], dependants: [], history: [] };
const event = (id: number, type: string, at: number, extra: Partial<EventJson> = {}): EventJson => ({ id: `${id}-0-0`, type, at, runId: 'r', nodeId: '3', ...extra });
const error = { name: 'Error', message: 'card declined' };

describe('attemptRows (the node panel’s attempts table)', () => {
  it('reads each attempt from the events: due time, start, worker, end, and a retry’s backoff', () => {
    const detail: NodeDetail = {
      ...base,
      attempts: 2,
      queuedAt: 1_000,
      startedAt: 1_600,
      finishedAt: 1_650,
      history: [
        event(1, 'node.queued', 1_000),
        event(2, 'node.started', 1_010, { attempt: 1, worker: 'W1' }),
        event(3, 'node.retrying', 1_110, { attempt: 1, delayMs: 400, error }),
        event(4, 'node.started', 1_600, { attempt: 2, worker: 'W2' }),
        event(5, 'node.succeeded', 1_650, { attempt: 2 }),
      ],
    };
    expect(attemptRows(detail)).toEqual([
      { attempt: 1, outcome: 'retrying', startedAt: 1_010, queueDelayMs: 10, durationMs: 100, worker: 'W1', error },
      { attempt: 2, outcome: 'succeeded', startedAt: 1_600, queueDelayMs: 90, durationMs: 50, worker: 'W2' },
    ]);
  });

  it('falls back on the node’s own times for the latest attempt once its events are gone', () => {
    const detail: NodeDetail = { ...base, status: 'failed', attempts: 1, queuedAt: 100, startedAt: 130, finishedAt: 200, error };
    expect(attemptRows(detail)).toEqual([{ attempt: 1, outcome: 'failed', startedAt: 130, queueDelayMs: 30, durationMs: 70, error }]);
  });

  it('has no rows for a node that never started', () => {
    expect(attemptRows({ ...base, status: 'pending' })).toEqual([]);
  });
});
