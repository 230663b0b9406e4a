// The dashboard's run model: events move one node's status and its unit's counts without a
// relayout, a node outside the view asks for a refetch, and run events move the header.
import { describe, expect, it } from 'vitest';
import type { EventJson, RunView } from '../../src/dashboard/api-types.js';
import { countsText, LiveView } from '../../src/dashboard/client/live-view.js';

// chain(a, group(b x 5), d): node 0 = a, 1..5 = b, 6 = d.
const view: RunView = {
  run: { id: 'r1', name: 'demo', status: 'running', createdAt: 1000, reopened: 0 },
  statuses: '4433100',
  units: [
    { kind: 'node', id: '0', node: { id: '0', task: 'a', attempts: 1, startedAt: 1100, finishedAt: 1200 } },
    { kind: 'group', id: 'g1', task: 'b', size: 5, members: [[1, 5]] },
    { kind: 'node', id: '6', node: { id: '6', task: 'd', attempts: 0 } },
  ],
  edges: [
    ['0', 'g1'],
    ['g1', '6'],
  ],
  after: '0-0',
};

const event = (type: string, nodeId: string, at = 2000): EventJson => ({ id: `${at}-0`, type, at, runId: 'r1', nodeId, attempt: 1 });

describe('dashboard LiveView', () => {
  it('counts a collapsed group from the statuses and its member ranges', () => {
    const live = new LiveView(view);
    expect(countsText(live.counts[1]!)).toBe('1 succeeded, 2 running, 1 queued, 1 pending');
    expect(live.statusOfUnit(0)).toBe('succeeded');
    expect(live.statusOfUnit(1)).toBe('running');
    expect(live.statusOfUnit(2)).toBe('pending');
  });

  it('moves a member between counts on its event and leaves the others', () => {
    const live = new LiveView(view);
    expect(live.apply(event('node.succeeded', '2'))).toBe('changed');
    expect(live.apply(event('node.failed', '3'))).toBe('changed');
    expect(countsText(live.counts[1]!)).toBe('2 succeeded, 1 failed, 1 queued, 1 pending');
    expect(live.statusOfNode(2)).toBe('succeeded');
    // Applying the same event again (a reconnect's replay) changes nothing more.
    live.apply(event('node.succeeded', '2'));
    expect(countsText(live.counts[1]!)).toBe('2 succeeded, 1 failed, 1 queued, 1 pending');
  });

  it('moves a pending node to queued on node.queued, to delayed when it has a dueAt, and a retrying one to delayed', () => {
    const live = new LiveView(view);
    expect(live.apply({ id: '2000-0', type: 'node.queued', at: 2000, runId: 'r1', nodeId: '5', task: 'b' })).toBe('changed');
    expect(countsText(live.counts[1]!)).toBe('1 succeeded, 2 running, 2 queued');
    expect(live.statusOfNode(5)).toBe('queued');
    live.apply(event('node.retrying', '2'));
    expect(countsText(live.counts[1]!)).toBe('1 succeeded, 1 running, 2 queued, 1 delayed');
    expect(live.apply({ id: '3000-0', type: 'node.queued', at: 3000, runId: 'r1', nodeId: '6', task: 'd', dueAt: 63_000 })).toBe('changed');
    expect(live.statusOfUnit(2)).toBe('delayed');
  });

  it('tracks a drawn node: status, attempts and times', () => {
    const live = new LiveView(view);
    live.apply({ ...event('node.started', '6', 3000), attempt: 2 });
    expect(live.statusOfUnit(2)).toBe('running');
    expect(live.attempts[2]).toBe(2);
    expect(live.startedAt[2]).toBe(3000);
    live.apply(event('node.succeeded', '6', 3500));
    expect(live.finishedAt[2]).toBe(3500);
  });

  it('asks for a refetch when a node is not in the view, and ignores events without a status', () => {
    const live = new LiveView(view);
    expect(live.apply(event('node.started', '7'))).toBe('unknown-node');
    expect(live.apply(event('node.progress', '1'))).toBe('unchanged');
  });

  it('moves the header on run events', () => {
    const live = new LiveView(view);
    expect(live.apply({ id: '9-0', type: 'run.failed', at: 9000, runId: 'r1', failedNode: '3' })).toBe('run');
    // Failed, but nodes are still to run or running (an error callback runs in a failed run): followed on.
    expect(live.finished).toBe(false);
    for (const id of ['1', '2', '3', '4', '5', '6']) live.apply(event('node.cancelled', id, 9100));
    expect(live.finished).toBe(true);
    expect(live.run.failedNode).toBe('3');
    live.apply({ id: '10-0', type: 'run.reopened', at: 10_000, runId: 'r1' });
    expect(live.run.status).toBe('running');
    expect(live.run.reopened).toBe(1);
    expect(live.run.failedNode).toBeUndefined();
  });
});
