import { Command } from 'commander';
import type { App } from '../app.js';
import type { ScheduleInfo } from '../schedule/schedules.js';
import { SchedulerLoop } from '../schedule/scheduler-loop.js';
import { EXIT } from './exit-codes.js';
import { formatCount, formatTime } from './format.js';
import type { ConnectionOptions } from './session.js';

/** What the schedule commands take from main.ts: its option set, its app session, its output. */
export interface ScheduleCommandHost {
  readonly connectionOptions: (command: Command) => Command;
  readonly withApp: (options: ConnectionOptions, body: (app: App) => Promise<number | void>) => Promise<void>;
  readonly print: (text: string) => void;
  readonly log: (text: string) => void;
}

interface JsonOption extends ConnectionOptions {
  readonly json?: boolean;
}

/** When: the cron pattern and zone, the interval, or the instant. */
function timingText(schedule: ScheduleInfo): string {
  if (schedule.cron !== undefined) return `cron "${schedule.cron}" ${schedule.timezone ?? 'UTC'}`;
  if (schedule.every !== undefined) return `every ${formatCount(schedule.every)} ms`;
  return `at ${schedule.at ? formatTime(schedule.at) : '-'}`;
}

function scheduleLines(schedule: ScheduleInfo): string[] {
  const next = schedule.paused ? 'paused' : schedule.nextFireAt ? `next ${formatTime(schedule.nextFireAt)}` : 'no tick left';
  const lines = [
    `${schedule.id}  ${timingText(schedule)}  ${next}  overlap ${schedule.overlap}  missed ${formatCount(schedule.missed)}  skipped ${formatCount(schedule.skipped)}`,
  ];
  for (const fire of schedule.lastFires.slice(0, 5)) lines.push(`  fired ${formatTime(fire.tick)}  run ${fire.runId}`);
  return lines;
}

/**
 * `celeriac schedules list|get|pause|resume|trigger|backfill|delete` and `celeriac scheduler`
 * (docs/scheduling.md). Firing needs no handler code: `scheduler` runs without the app's module.
 */
export function registerScheduleCommands(program: Command, host: ScheduleCommandHost): void {
  const { connectionOptions, withApp, print } = host;
  const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));
  const schedules = program.command('schedules').description("list and steer the app's schedules");

  connectionOptions(schedules.command('list').description('every schedule: when it fires, its next tick, missed and skipped ticks, its last fires').option('--json', 'print JSON')).action(
    async (options: JsonOption) => {
      await withApp(options, async (app) => {
        const list = await app.schedules.list();
        if (options.json) return printJson(list);
        if (list.length === 0) print('no schedules');
        for (const schedule of list) for (const line of scheduleLines(schedule)) print(line);
      });
    },
  );

  const one = (name: string, description: string, act: (app: App, id: string) => Promise<unknown>) =>
    connectionOptions(schedules.command(name).description(description).argument('<id>').option('--json', 'print JSON')).action(
      async (id: string, options: JsonOption) => {
        await withApp(options, async (app) => {
          const outcome = await act(app, id);
          if (options.json) return printJson(outcome);
          if (typeof outcome === 'object' && outcome !== null && 'id' in outcome) for (const line of scheduleLines(outcome as ScheduleInfo)) print(line);
          else print(String(outcome));
        });
      },
    );
  one('get', 'one schedule', (app, id) => app.schedules.get(id));
  one('pause', 'fire none of its ticks until resumed (none is counted as missed)', (app, id) => app.schedules.pause(id));
  one('resume', 'fire its ticks again, from the first after now', (app, id) => app.schedules.resume(id));
  one('trigger', 'fire it now, once, under its overlap policy', async (app, id) => {
    const runId = await app.schedules.trigger(id);
    return runId === null ? `skipped: a run of ${id} still runs (overlap policy)` : `started run ${runId}`;
  });
  one('delete', 'remove it (the runs it started stay)', async (app, id) => ((await app.schedules.delete(id)) ? `deleted ${id}` : `no schedule ${id}`));

  connectionOptions(
    schedules
      .command('backfill')
      .description('fire the ticks of a range, each once (a tick that already has its run starts nothing new)')
      .argument('<id>')
      .requiredOption('--from <instant>', 'ISO 8601 instant with its offset')
      .requiredOption('--to <instant>', 'ISO 8601 instant with its offset')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: JsonOption & { readonly from: string; readonly to: string }) => {
    await withApp(options, async (app) => {
      const runIds = await app.schedules.backfill(id, { from: options.from, to: options.to });
      if (options.json) return printJson(runIds);
      print(`${formatCount(runIds.length)} ticks, each with its run:`);
      for (const runId of runIds) print(`  ${runId}`);
    });
  });

  connectionOptions(program.command('scheduler').description("fire the app's due schedules until SIGINT/SIGTERM (needs no handler code)")).action(
    async (options: ConnectionOptions) => {
      await withApp(options, async (app) => {
        const loop = new SchedulerLoop(app.schedules, (error) => host.log(`error: ${error instanceof Error ? error.message : String(error)}`));
        loop.start();
        host.log('scheduler running; SIGINT or SIGTERM stops it');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await loop.stop();
        return EXIT.ok;
      });
    },
  );
}
