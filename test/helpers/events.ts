import type { App, CeleriacEvent } from '../../src/index.js';
import { decodeEntry } from '../../src/store/events.js';

/** Read events until `until` holds for the list so far (the test's timeout fails a stream that stalls). */
export async function collect(stream: AsyncIterable<CeleriacEvent>, until: (events: readonly CeleriacEvent[]) => boolean): Promise<CeleriacEvent[]> {
  const events: CeleriacEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (until(events)) break;
  }
  return events;
}

/** Every event the app's stream holds now, read from Redis directly rather than through app.events(). */
export async function retainedEvents(app: App): Promise<CeleriacEvent[]> {
  const entries = (await app.redis.xrange(app.keys.shards[0]!.events, '-', '+')) as [string, string[]][];
  return entries.flatMap(([id, fields]) => decodeEntry(id, fields));
}
