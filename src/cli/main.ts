#!/usr/bin/env node
/**
 * The `celeriac` command: run a worker, and see and steer runs from a terminal.
 * Every command takes --redis (default REDIS_URL or redis://127.0.0.1:6379) and --prefix; the
 * ones whose output is data take --json. See docs/operations.md.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { App } from '../app.js';
import { RunActiveError } from '../errors/index.js';
import { RUN_STATUSES, type RunStatus } from '../store/records.js';
import { nextPageCommand, runCursor } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { colorsFor, formatCount, formatDuration, formatTime, palette } from './format.js';
import { exitQuietlyOnBrokenPipe } from './output.js';
import { renderRun, statusSummary } from './render-run.js';
import { parseDuration, purgeCommand } from './purge-command.js';
import { printResult } from './result-command.js';
import { serveDashboard } from './dashboard-command.js';
import { followEvents } from './events-command.js';
import { formatQueues } from './queues-command.js';
import { type ConnectionOptions, openApp, toCliError, warn } from './session.js';
import { watchRun } from './watch.js';
import { runWorkerCommand } from './worker-command.js';
import { printWorkers } from './workers-command.js';
import { registerScheduleCommands } from './schedules-command.js';
import { progressUnlessGone } from '../run/progress-unless-gone.js';

interface DataOptions extends ConnectionOptions {
  readonly json?: boolean;
}

exitQuietlyOnBrokenPipe(process.stdout);
exitQuietlyOnBrokenPipe(process.stderr);
const colors = palette(colorsFor(process.stdout));
const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return number;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError('must be a port number, 0 to 65535');
  return number;
}

function connectionOptions(command: Command): Command {
  return command
    .option('--redis <url>', 'Redis URL, redis:// or rediss:// (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--cluster <nodes>', 'a Redis Cluster instead: host:port of some of its nodes, comma-separated (default: REDIS_CLUSTER)')
    .option('--prefix <prefix>', 'key prefix of the app (default: CELERIAC_PREFIX, else celeriac)')
    .option('--tls-ca <file>', "PEM file of the CA that signed the server's certificate (with a rediss:// URL)")
    .option('--connect-timeout <ms>', 'how long to wait for Redis before giving up (default: the app\'s connectTimeoutMs, 10000)', positiveInteger);
}

/** Open an app for the command, run it, close the app, and set the exit code. */
async function withApp(options: ConnectionOptions, body: (app: App) => Promise<number | void>): Promise<void> {
  const app = await openApp(options);
  try {
    process.exitCode = (await body(app)) ?? EXIT.ok;
  } finally {
    await app.close();
  }
}

/** The package's own version: package.json sits two levels up from both src/cli/ and dist/cli/. */
function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}

const program = new Command()
  .name('celeriac')
  .description('Run celeriac workers, and see and steer workflow runs stored in Redis.')
  .version(packageVersion(), '-V, --version', 'print the version of celeriac')
  .showHelpAfterError()
  .exitOverride();

connectionOptions(
  program
    .command('worker')
    .description('run a worker for the app a module exports (default export or `app`) until SIGINT/SIGTERM')
    .argument('<module>', 'path of the module that exports the app')
    .option('--concurrency <n>', 'attempts run at once', positiveInteger)
    .option('--queues <names>', 'comma-separated queues to consume, most preferred first', (value) => value.split(',').filter(Boolean)),
).action(async (modulePath: string, options: ConnectionOptions & { concurrency?: number; queues?: string[] }) => {
  const code = await runWorkerCommand(modulePath, options, (line) => process.stderr.write(`celeriac: ${line}\n`));
  // Handlers that ignored their AbortSignal may still be running after close: they must not keep the process alive.
  process.exit(code);
});

connectionOptions(
  program
    .command('list')
    .description('list runs, newest first')
    .addOption(new Option('--status <status>', 'only runs with this status').choices([...RUN_STATUSES]))
    .option('--limit <n>', 'how many runs', positiveInteger, 20)
    .option('--cursor <cursor>', 'continue after the previous page', runCursor)
    .option('--json', 'print JSON'),
).action(async (options: DataOptions & { status?: RunStatus; limit: number; cursor?: string }, command: Command) => {
  await withApp(options, async (app) => {
    const page = await app.listRuns({
      limit: options.limit,
      ...(options.status ? { status: options.status } : {}),
      ...(options.cursor ? { cursor: options.cursor } : {}),
    });
    if (options.json) return printJson(page);
    if (page.runs.length === 0) return print('no runs');
    // A failed or cancelled run shows how its nodes ended, not only that they all did.
    const counts = await Promise.all(
      page.runs.map((run) => (run.status === 'failed' || run.status === 'cancelled' ? progressUnlessGone(app, run.id) : null)),
    );
    print(colors.dim(`${'ID'.padEnd(28)}${'NAME'.padEnd(22)}${'STATUS'.padEnd(11)}${'CREATED'.padEnd(22)}${'TOOK'.padEnd(10)}NODES`));
    page.runs.forEach((run, position) => {
      const progress = counts[position];
      const nodes = progress
        ? statusSummary(progress.counts, colors)
        : run.status === 'succeeded'
          ? colors.status('succeeded', `${formatCount(run.nodeCount)} succeeded`)
          : `${formatCount(run.nodeCount - run.unfinished)}/${formatCount(run.nodeCount)} done`;
      const took = run.finishedAt ? formatDuration(run.finishedAt.getTime() - run.createdAt.getTime()) : '';
      print(
        `${run.id.padEnd(28)}${run.name.slice(0, 21).padEnd(22)}${colors.status(run.status, run.status.padEnd(11))}` +
          `${formatTime(run.createdAt).padEnd(22)}${took.padEnd(10)}${nodes}`,
      );
    });
    if (page.cursor) print(colors.dim(`more: ${nextPageCommand(options, command.getOptionValueSource('limit') === 'cli', page.cursor)}`));
    const { total } = await app.deadLetters({ limit: 0 });
    if (total > 0) print(colors.dim(`dead letters: ${formatCount(total)} (celeriac dead-letters)`));
  });
});

connectionOptions(
  program.command('inspect').description('show a run and its DAG').argument('<run-id>').option('--json', 'print JSON'),
).action(async (runId: string, options: DataOptions) => {
  await withApp(options, async (app) => {
    const inspection = await app.getRun(runId).inspect();
    // The kept dead letters (at most 10,000) that name this run.
    const deadLetters = (await app.deadLetters({ limit: 10_000 })).entries.filter((entry) => entry.runId === runId);
    if (options.json) return printJson({ ...inspection, deadLetters });
    print(renderRun(inspection, colors));
    if (deadLetters.length > 0) {
      print(colors.dim(`dead letters naming this run: ${formatCount(deadLetters.length)}`));
      for (const entry of deadLetters.slice(0, 10)) print(`  ${formatTime(entry.at)}  #${entry.nodeId ?? '?'}  ${entry.reason}  (${entry.queue})`);
    }
  });
});

connectionOptions(
  program
    .command('result')
    .description("print a run's value as JSON, or one node's result; exit 1 if it failed, 2 if cancelled, 75 if not finished")
    .argument('<run-id>')
    .argument('[node-id]', 'a node of the run (see inspect)')
    .option('--wait', 'wait for the run to finish'),
).action(async (runId: string, nodeId: string | undefined, options: ConnectionOptions & { wait?: boolean }) => {
  await withApp(options, (app) => printResult(app, runId, nodeId, { ...(options.wait ? { wait: true } : {}) }, print));
});

connectionOptions(
  program
    .command('events')
    .description("print the app's events live (run and node transitions, progress) until Ctrl-C; with --run, until that run ends")
    .option('--run <run-id>', "only this run's events; end when it succeeds, fails or is cancelled")
    .option('--after <event-id>', 'start after this event (an id printed before; 0-0 for the oldest retained), not from now')
    .option('--json', 'print one JSON object per line'),
).action(async (options: ConnectionOptions & { run?: string; after?: string; json?: boolean }) => {
  await withApp(options, (app) =>
    followEvents(
      app,
      { ...(options.run !== undefined ? { run: options.run } : {}), ...(options.after !== undefined ? { after: options.after } : {}), json: options.json === true },
      print,
    ),
  );
});

connectionOptions(
  program
    .command('watch')
    .description('show live progress until the run ends; exit 0 if it succeeded, 1 if it failed, 2 if cancelled')
    .argument('<run-id>'),
).action(async (runId: string, options: ConnectionOptions) => {
  await withApp(options, (app) => watchRun(app, runId, colors, Boolean(process.stdout.isTTY), process.stdout));
});

connectionOptions(
  program.command('resume').description('make the failed and cancelled nodes of a run runnable again').argument('<run-id>').option('--json', 'print JSON'),
).action(async (runId: string, options: DataOptions) => {
  await withApp(options, async (app) => {
    const outcome = await app.getRun(runId).resume();
    if (options.json) return printJson(outcome);
    print(
      outcome.changed
        ? `run ${runId} resumed: ${formatCount(outcome.resetNodes)} nodes runnable again, ${formatCount(outcome.enqueuedNodes)} queued now`
        : `run ${runId} is ${outcome.status}: nothing to resume`,
    );
  });
});

connectionOptions(
  program
    .command('rerun')
    .description('reset a node and everything downstream of it, and run them again')
    .argument('<run-id>')
    .requiredOption('--from <node-id>', 'the node to rerun from (see inspect)')
    .option('--json', 'print JSON'),
).action(async (runId: string, options: DataOptions & { from: string }) => {
  await withApp(options, async (app) => {
    const outcome = await app.getRun(runId).rerun({ from: options.from });
    if (options.json) return printJson(outcome);
    print(`run ${runId} rerun from #${options.from}: ${formatCount(outcome.resetNodes)} nodes reset, ${formatCount(outcome.enqueuedNodes)} queued now`);
  });
});

connectionOptions(
  program.command('cancel').description('cancel a run').argument('<run-id>').option('--json', 'print JSON'),
).action(async (runId: string, options: DataOptions) => {
  await withApp(options, async (app) => {
    const outcome = await app.getRun(runId).cancel();
    if (options.json) return printJson(outcome);
    print(
      outcome.changed
        ? `run ${runId} cancelled: ${formatCount(outcome.cancelledNodes)} nodes will not start, ${formatCount(outcome.runningNodes)} running told to stop`
        : `run ${runId} had already finished (${outcome.status}): nothing to cancel`,
    );
  });
});

connectionOptions(
  program
    .command('delete')
    .description('delete a finished run (its keys and index entries); --force cancels a running one first')
    .argument('<run-id>')
    .option('--force', 'delete it even if it is running')
    .option('--json', 'print JSON'),
).action(async (runId: string, options: DataOptions & { force?: boolean }) => {
  await withApp(options, async (app) => {
    const outcome = await app
      .getRun(runId)
      .delete({ ...(options.force ? { force: true } : {}) })
      .catch((error: unknown) => {
        // Not a failure of the command: the run is busy; try again once it finished.
        if (error instanceof RunActiveError) throw new CliError(error.message, EXIT.notFinished);
        throw error;
      });
    if (options.json) return printJson(outcome);
    print(`run ${runId} deleted (it was ${outcome.status})`);
  });
});

connectionOptions(
  program
    .command('purge')
    .description('delete finished runs, all or by status and age; --dry-run lists them instead')
    .addOption(new Option('--status <status>', 'only runs with this status (running needs --force)').choices([...RUN_STATUSES]))
    .option('--older-than <duration>', 'only runs created longer ago than this, e.g. 7d, 12h, 90s', parseDuration)
    .option('--force', 'delete running runs too (each is cancelled, then deleted)')
    .option('--dry-run', 'delete nothing; list the runs that would go')
    .option('--json', 'print JSON'),
).action(async (options: DataOptions & { status?: RunStatus; olderThan?: number; force?: boolean; dryRun?: boolean }) => {
  await withApp(options, (app) => purgeCommand(app, options, print));
});

connectionOptions(
  program
    .command('dead-letters')
    .description('show the messages no worker could act on (newest first), with counts by reason')
    .option('--limit <n>', 'how many entries', positiveInteger, 20)
    .option('--clear', 'forget them all (after showing them)')
    .option('--json', 'print JSON'),
).action(async (options: DataOptions & { limit: number; clear?: boolean }) => {
  await withApp(options, async (app) => {
    const letters = await app.deadLetters({ limit: options.limit });
    const cleared = options.clear ? await app.clearDeadLetters() : null;
    if (options.json) return printJson({ ...letters, ...(cleared !== null ? { cleared } : {}) });
    if (letters.total === 0) return print('no dead letters');
    const counts = Object.entries(letters.counts).map(([reason, count]) => `${reason} ${formatCount(count)}`);
    print(`${formatCount(letters.total)} dead letters: ${counts.join(', ')}`);
    print(colors.dim(`${'AT'.padEnd(22)}${'REASON'.padEnd(16)}${'QUEUE'.padEnd(14)}MESSAGE`));
    for (const entry of letters.entries) {
      print(`${formatTime(entry.at).padEnd(22)}${entry.reason.padEnd(16)}${entry.queue.slice(0, 13).padEnd(14)}${JSON.stringify(entry.message)}`);
    }
    if (cleared !== null) print(`cleared ${formatCount(cleared)} dead letters`);
  });
});

connectionOptions(
  program
    .command('queues')
    .description('show how many messages each queue holds (ready, delayed, leased) and how long the oldest ready one has waited')
    .option('--queue <name...>', 'also show these queues (the default queue and those of running runs are always shown)')
    .option('--json', 'print JSON'),
).action(async (options: DataOptions & { queue?: string[] }) => {
  await withApp(options, async (app) => {
    const queues = await app.queues({ names: options.queue ?? [] });
    if (options.json) return printJson(queues);
    for (const line of formatQueues(queues, colors)) print(line);
  });
});

connectionOptions(
  program
    .command('workers')
    .description("list the app's workers: live ones, then silent ones (no beat for 3 intervals, not stopped cleanly)")
    .option('--json', 'print JSON'),
).action(async (options: DataOptions) => {
  await withApp(options, (app) => printWorkers(app, { json: options.json === true }, print, colors));
});

connectionOptions(
  program
    .command('repair')
    .description('re-enqueue the nodes of running runs that wait for a worker but have no message in any queue')
    .option('--json', 'print JSON'),
).action(async (options: DataOptions) => {
  await withApp(options, async (app) => {
    const report = await app.repair();
    if (options.json) return printJson({ ...report, damaged: report.damaged.map(({ runId, reason }) => ({ runId, reason })) });
    print(`looked at ${formatCount(report.nodes)} nodes of ${formatCount(report.runs)} running runs: ${formatCount(report.repaired.length)} re-enqueued`);
    for (const node of report.repaired) print(`  run ${node.runId} node #${node.nodeId} (was ${node.status})`);
    for (const run of report.damaged) print(`  run ${run.runId} could not be checked (damaged): ${run.reason}`);
    if (report.errbacks > 0) print(`released the error callbacks of ${formatCount(report.errbacks)} failed run(s)`);
  });
});

registerScheduleCommands(program, { connectionOptions, withApp, print, log: (line) => process.stderr.write(`celeriac: ${line}\n`) });

connectionOptions(
  program
    .command('dashboard')
    .description('serve the web dashboard (runs and their DAGs live, queues, workers, dead letters) until SIGINT/SIGTERM')
    .option('--port <port>', 'port to listen on (0: any free port)', port, 7474)
    .option('--host <host>', 'address to bind (default loopback only: anyone who reaches it sees your runs)', '127.0.0.1')
    .option('--token <token>', 'turn the actions on; each needs this token (prefer CELERIAC_DASHBOARD_TOKEN: arguments show in ps)')
    .option('--show-values', "show nodes' args and results (they can hold personal data)"),
).action(async (options: ConnectionOptions & { port: number; host: string; token?: string; showValues?: boolean }) => {
  await withApp(options, (app) => serveDashboard(app, options, print, warn));
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version exit 0; usage mistakes were already printed by commander.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    const failure = toCliError(error);
    process.stderr.write(`celeriac: ${failure.message}\n`);
    process.exitCode = failure.exitCode;
  }
}
