/**
 * The fire latency of schedules (issue 20): how long after its tick each run is created, with
 * SCHEDULES schedules (default 1,000) all ticking at once every PERIOD_MS (default 5,000), fired
 * by SCHEDULERS scheduler loops in this process (default 1; each on its own app connection, as
 * separate processes would be), for ROUNDS rounds (default 3). One private redis-server; no
 * worker runs the runs (their creation is what is timed).
 *
 *   npx tsx benchmarks/schedules.ts
 *   SCHEDULERS=3 npx tsx benchmarks/schedules.ts
 */
import { type App, createApp } from '../src/index.js';
import { SchedulerLoop } from '../src/schedule/scheduler-loop.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { median } from './stats.js';

const count = Number(process.env.SCHEDULES ?? 1000);
const periodMs = Number(process.env.PERIOD_MS ?? 5000);
const schedulers = Number(process.env.SCHEDULERS ?? 1);
const rounds = Number(process.env.ROUNDS ?? 3);

const server = await startRedisServer();
const prefix = 'bench-schedules';
const apps: App[] = Array.from({ length: schedulers + 1 }, () => createApp({ redis: server.url, prefix }));
const [admin] = apps as [App];
const noop = admin.task({ name: 'noop' }, () => null);
// Ticks from a round instant a little ahead, so that every schedule's first tick is the same.
const anchor = Math.ceil((Date.now() + 3000) / 1000) * 1000;
for (let index = 0; index < count; index++) {
  await admin.schedules.upsert(`s${index}`, { every: periodMs, startAt: new Date(anchor), overlap: 'allow', canvas: noop.si() });
}
const loops = apps.slice(1).map((app) => new SchedulerLoop(app.schedules, (error) => console.error(error)));
for (const loop of loops) loop.start();
const end = anchor + (rounds - 1) * periodMs;
while (Date.now() < end + periodMs - 500) await new Promise((resolve) => setTimeout(resolve, 200));
for (const loop of loops) await loop.stop();

const latencies: number[] = [];
let fires = 0;
for (const schedule of await admin.schedules.list()) {
  for (const fire of schedule.lastFires) {
    if (fire.tick.getTime() > end) continue;
    fires++;
    const { createdAt } = await admin.getRun(fire.runId).inspect();
    latencies.push(createdAt.getTime() - fire.tick.getTime());
  }
}
latencies.sort((a, b) => a - b);
const at = (share: number): number => latencies[Math.min(latencies.length - 1, Math.floor(share * latencies.length))]!;
console.log(
  `${count} schedules, every ${periodMs} ms, ${schedulers} scheduler(s), ${rounds} rounds: ${fires} fires of ${count * rounds} ticks; ` +
    `tick to run created: median ${median(latencies)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${latencies.at(-1)} ms`,
);
for (const app of apps) await app.close();
await server.stop();
