/**
 * `npx tsx workflows/schedules.ts`: two schedules, stored in Redis: a nightly report at 02:00
 * Paris time, and a heartbeat every second. A worker (which runs the scheduler) fires the
 * heartbeat for 3.5 s; the program then prints both schedules and the runs the heartbeat
 * started. Redis at REDIS_URL (default redis://127.0.0.1:6379), keys under CELERIAC_PREFIX
 * (default `celeriac-schedules`); the schedules are deleted at the end.
 */
import { chain, createApp } from '../src/index.js';

const app = createApp({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CELERIAC_PREFIX ?? 'celeriac-schedules',
});

const buildReport = app.task({ name: 'buildReport' }, (period: string) => ({ period, rows: 1284 }));
const emailIt = app.task({ name: 'emailIt' }, (report: { period: string; rows: number }) => `sent the ${report.period} report (${report.rows} rows)`);
const ping = app.task({ name: 'ping' }, () => new Date().toISOString());

async function main(): Promise<void> {
  const worker = app.worker({ concurrency: 4 });
  await worker.start();
  try {
    await app.schedules.upsert('nightly-report', { cron: '0 2 * * *', timezone: 'Europe/Paris', canvas: chain(buildReport.si('daily'), emailIt.s()) });
    await app.schedules.upsert('heartbeat', { every: 1000, canvas: ping.si() });
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await app.schedules.pause('heartbeat');
    for (const schedule of await app.schedules.list()) {
      const when = schedule.cron ? `cron "${schedule.cron}" ${schedule.timezone}` : `every ${schedule.every} ms`;
      console.log(`${schedule.id}: ${when}, next ${schedule.nextFireAt?.toISOString() ?? '- (paused)'}, missed ${schedule.missed}, skipped ${schedule.skipped}`);
      for (const fire of [...schedule.lastFires].reverse()) {
        const run = app.getRun(fire.runId);
        console.log(`  tick ${fire.tick.toISOString()} -> run ${fire.runId}: ${JSON.stringify(await run.result({ timeoutMs: 10_000 }))}`);
      }
    }
  } finally {
    await app.schedules.delete('heartbeat');
    await app.schedules.delete('nightly-report');
    await worker.close();
    await app.close();
  }
}

await main();
