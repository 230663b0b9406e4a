/**
 * The reads the public app API does not offer: Redis's clock (the `at` of a page), where the
 * event stream stands now (a view's `after`), and a bounded look back for one node's history (a
 * live iterator never ends, so it cannot say "that was all"). Both use the app's command connection within its
 * connectTimeoutMs, as the app's own calls do, and the store's one decoder of the format.
 */
import type { App } from '../app.js';
import { withConnection } from '../connection.js';
import { type CeleriacEvent, decodeEntry, lastEntryId } from '../store/events.js';

/** Entries per XREVRANGE while looking back. */
const PAGE = 1_000;
/** Most entries looked at for one node's history (the stream keeps about events.maxLen, 10,000 by default). */
const MAX_ENTRIES = 20_000;
/** Most events returned for one node. */
const MAX_EVENTS = 200;

/** Redis's clock now, in ms (the clock every time the page shows is on). */
export function redisNow(app: App): Promise<number> {
  return withConnection(app.redis, app.config.connectTimeoutMs, async () => {
    const [seconds, micros] = await app.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  });
}

/** The id of the stream's newest entry ('0-0' when empty): events after it are what happens next. */
export function streamPosition(app: App): Promise<string> {
  return withConnection(app.redis, app.config.connectTimeoutMs, () => lastEntryId(app.redis, app.keys.events));
}

/** One node's events still in the stream, oldest first (the newest MAX_EVENTS of them). */
export function nodeHistory(app: App, runId: string, nodeId: string): Promise<CeleriacEvent[]> {
  return withConnection(app.redis, app.config.connectTimeoutMs, async () => {
    const found: CeleriacEvent[] = [];
    let end = '+';
    let read = 0;
    while (read < MAX_ENTRIES && found.length < MAX_EVENTS) {
      const entries = (await app.redis.xrevrange(app.keys.events, end, '-', 'COUNT', PAGE)) as [string, string[]][];
      for (const [id, fields] of entries) {
        // The run id is the entry's second field: skip other runs' entries without decoding them.
        if (fields[1] !== runId) continue;
        const mine = decodeEntry(id, fields).filter((event) => 'nodeId' in event && event.nodeId === nodeId);
        for (let k = mine.length - 1; k >= 0; k--) found.push(mine[k]!);
      }
      read += entries.length;
      if (entries.length < PAGE) break;
      end = `(${entries.at(-1)![0]}`;
    }
    return found.slice(0, MAX_EVENTS).reverse();
  });
}
