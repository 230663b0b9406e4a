import { describe, expect, it } from 'vitest';
import type { EventJson } from '../../src/dashboard/api-types.js';
import { EventBatch, EventRing, type SerialisedEvent, sseMessages } from '../../src/dashboard/event-batch.js';
import { compareEventOrder, eventOrder } from '../../src/store/events.js';

const order = (id: string) => eventOrder(id)!;
const event = (id: string, runId = 'r1'): SerialisedEvent => ({ id, runId, json: JSON.stringify({ id, type: 'node.succeeded', at: 1, runId }) });
/** The events of SSE text, message by message: [id, event ids]. */
const messages = (text: string): [string, string[]][] =>
  text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      const id = lines.find((line) => line.startsWith('id: '))!.slice(4);
      const data = JSON.parse(lines.find((line) => line.startsWith('data: '))!.slice(6)) as EventJson[];
      return [id, data.map((e) => e.id)];
    });

describe('event positions', () => {
  it('order as the stream does, not as strings', () => {
    expect(compareEventOrder(order('9-0-0'), order('10-0-0'))).toBeLessThan(0);
    expect(compareEventOrder(order('10-2-0'), order('10-10-0'))).toBeLessThan(0);
    expect(compareEventOrder(order('10-0-9'), order('10-0-10'))).toBeLessThan(0);
    // An entry id alone is after every event of that entry, and before the next entry.
    expect(compareEventOrder(order('10-0'), order('10-0-999'))).toBeGreaterThan(0);
    expect(compareEventOrder(order('10-0'), order('10-1-0'))).toBeLessThan(0);
    expect(compareEventOrder(order('10-0-3'), order('10-0-3'))).toBe(0);
    expect(eventOrder('yesterday')).toBeNull();
  });
});

describe('event batches', () => {
  it('sends a batch as messages of at most 500 events, each with its last event id', () => {
    const events = Array.from({ length: 1201 }, (_, i) => event(`5-0-${i}`));
    const sent = messages(sseMessages(events));
    expect(sent.map(([, ids]) => ids.length)).toEqual([500, 500, 201]);
    expect(sent.map(([id]) => id)).toEqual(['5-0-499', '5-0-999', '5-0-1200']);
    expect(sent.flatMap(([, ids]) => ids)).toEqual(events.map((e) => e.id));
  });

  it('filters by run and skips what a stream already has', () => {
    const batch = new EventBatch([event('7-0-0', 'a'), event('7-0-1', 'b'), event('8-0-0', 'a'), event('8-0-1', 'b')]);
    expect(messages(batch.textFor(undefined, null))).toEqual([['8-0-1', ['7-0-0', '7-0-1', '8-0-0', '8-0-1']]]);
    expect(messages(batch.textFor('a', null))).toEqual([['8-0-0', ['7-0-0', '8-0-0']]]);
    expect(messages(batch.textFor('b', order('7-0-1')))).toEqual([['8-0-1', ['8-0-1']]]);
    expect(batch.textFor(undefined, order('8-0'))).toBe('');
    expect(batch.textFor('c', null)).toBe('');
  });

  it('keeps the newest batches within its limits and says which positions it covers', () => {
    const ring = new EventRing(order('1-0'), { maxEvents: 4, maxBytes: 1 << 20 });
    expect(ring.covers(order('1-0'))).toBe(true);
    expect(ring.covers(order('0-5-2'))).toBe(false);
    for (let ms = 2; ms <= 5; ms++) ring.push(new EventBatch([event(`${ms}-0-0`), event(`${ms}-0-1`)]));
    // 8 events pushed, 4 kept: batches 4 and 5. Everything after the last dropped event is covered.
    expect(ring.covers(order('3-0-1'))).toBe(true);
    expect(ring.covers(order('3-0-0'))).toBe(false);
    expect(ring.newest).toEqual(order('5-0-1'));
    expect(messages(ring.textAfter(undefined, order('4-0-0'))).flatMap(([, ids]) => ids)).toEqual(['4-0-1', '5-0-0', '5-0-1']);
    expect(messages(ring.textAfter(undefined, order('3-0-1'))).flatMap(([, ids]) => ids)).toEqual(['4-0-0', '4-0-1', '5-0-0', '5-0-1']);
  });
});
