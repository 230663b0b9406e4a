/**
 * What a reconnecting event consumer receives across a Redis restart. Starts a private
 * redis-server (AOF, appendfsync always) on a free port, runs a chain, lets a consumer read part
 * of it and go away with its cursor, SIGKILLs and restarts Redis, runs a second chain, then
 * reconnects the consumer with `after: <its last id>` and prints what it receives, and checks it
 * against everything the stream retains. Run: npx tsx workflows/events-restart.ts
 */
import { randomUUID } from 'node:crypto';
import { type CeleriacEvent, chain, createApp } from '../src/index.js';
import { startRedisServer } from '../test/helpers/redis-server.js';

function describeEvent(event: CeleriacEvent): string {
  const parts = [event.id.padEnd(18), event.type.padEnd(15), `run …${event.runId.slice(-6)}`];
  if ('nodeId' in event) parts.push(`node ${event.nodeId}`);
  if ('task' in event) parts.push('attempt' in event ? `${event.task}#${event.attempt}` : event.task);
  return parts.join('  ');
}

async function take(stream: AsyncIterable<CeleriacEvent>, until: (event: CeleriacEvent, count: number) => boolean): Promise<CeleriacEvent[]> {
  const events: CeleriacEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (until(event, events.length)) break;
  }
  return events;
}

const server = await startRedisServer(['--appendonly', 'yes', '--appendfsync', 'always']);
const app = createApp({ redis: server.url, prefix: `events-demo-${randomUUID().slice(0, 8)}` });
try {
  const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
  await app.worker({ concurrency: 2, onError: () => undefined }).start();

  const first = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1)), { name: 'before-restart' });
  const early = await take(app.events({ after: '0-0' }), (_event, count) => count === 3);
  console.log(`consumer read ${early.length} events, then disconnected:`);
  for (const event of early) console.log(`  ${describeEvent(event)}`);
  const cursor = early.at(-1)!.id;
  console.log(`  (its cursor: ${cursor})`);
  await first.result({ timeoutMs: 10_000 });

  await server.kill();
  console.log(`redis-server on port ${server.port} SIGKILLed; restarting it (AOF, appendfsync always)`);
  await server.restart();

  let second = null;
  while (!second) second = await app.submit(chain(add.si(2, 2), add.s(1)), { name: 'after-restart' }).catch(() => null);
  await second.result({ timeoutMs: 10_000 });

  const secondId = second.id;
  const resumed = await take(app.events({ after: cursor }), (event) => event.type === 'run.succeeded' && event.runId === secondId);
  console.log(`consumer reconnected with after=${cursor} and received ${resumed.length} events:`);
  for (const event of resumed) console.log(`  ${describeEvent(event)}`);

  const all = await take(app.events({ after: '0-0' }), (event) => event.type === 'run.succeeded' && event.runId === secondId);
  const expected = all.slice(all.findIndex((event) => event.id === cursor) + 1).map((event) => event.id);
  const same = JSON.stringify(resumed.map((event) => event.id)) === JSON.stringify(expected);
  console.log(`every retained event after the cursor, each once: ${same ? 'yes' : 'NO'} (${resumed.length} of ${expected.length})`);
  if (!same) process.exitCode = 1;
} finally {
  await app.close();
  await server.stop();
}
