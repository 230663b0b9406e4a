import { describe, expectTypeOf, it } from 'vitest';
import { type CeleriacEvent, type CeleriacEventType, createApp, type EventError, type NodeCancelledEvent } from '../../src/index.js';

const app = createApp({ prefix: 'types' });

describe('event types', () => {
  it('app.events() iterates the event union, narrowed by type', async () => {
    for await (const event of app.events({ runId: 'r', after: '0-0' })) {
      expectTypeOf(event).toEqualTypeOf<CeleriacEvent>();
      expectTypeOf(event.id).toEqualTypeOf<string>();
      expectTypeOf(event.at).toEqualTypeOf<Date>();
      expectTypeOf(event.type).toEqualTypeOf<CeleriacEventType>();
      if (event.type === 'node.failed' || event.type === 'node.retrying') {
        expectTypeOf(event.error).toEqualTypeOf<EventError>();
        expectTypeOf(event.task).toEqualTypeOf<string>();
        expectTypeOf(event.attempt).toEqualTypeOf<number>();
      }
      if (event.type === 'node.retrying') expectTypeOf(event.delayMs).toEqualTypeOf<number>();
      if (event.type === 'node.progress') expectTypeOf(event.progress).toEqualTypeOf<unknown>();
      if (event.type === 'node.cancelled') {
        expectTypeOf(event).toEqualTypeOf<NodeCancelledEvent>();
        expectTypeOf(event.attempt).toEqualTypeOf<number | undefined>();
      }
      if (event.type === 'run.failed') expectTypeOf(event.failedNode).toEqualTypeOf<string>();
      if (event.type === 'run.reopened') expectTypeOf(event.mode).toEqualTypeOf<'resume' | 'rerun'>();
      // A run event has no node.
      if (event.type === 'run.succeeded') expectTypeOf(event).not.toHaveProperty('nodeId');
    }
  });
});
