import { InvalidArgumentError } from 'commander';
import ms from 'ms';
import type { App } from '../app.js';
import type { RunStatus } from '../store/records.js';
import { EXIT } from './exit-codes.js';
import { formatCount } from './format.js';

export interface PurgeCommandOptions {
  readonly status?: RunStatus;
  readonly olderThan?: number;
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

/** `--older-than 7d`: a duration as `ms` reads it (`90s`, `12h`, `7d`, `2 weeks`), or plain ms. */
export function parseDuration(value: string): number {
  const parsed = /^\d+$/.test(value) ? Number(value) : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidArgumentError('must be a duration such as 90s, 12h or 7d (or a number of ms)');
  }
  return parsed;
}

/** `celeriac purge`: delete finished runs (running ones with --force), or list them with --dry-run. */
export async function purgeCommand(app: App, options: PurgeCommandOptions, print: (text: string) => void): Promise<number> {
  const outcome = await app.purgeRuns({
    ...(options.status ? { status: options.status } : {}),
    ...(options.olderThan !== undefined ? { olderThanMs: options.olderThan } : {}),
    ...(options.force ? { force: true } : {}),
    ...(options.dryRun ? { dryRun: true } : {}),
  });
  if (options.json) {
    print(JSON.stringify(outcome, null, 2));
    return EXIT.ok;
  }
  const count = formatCount(outcome.runIds.length);
  if (outcome.dryRun) {
    print(`would delete ${count} run${outcome.runIds.length === 1 ? '' : 's'} (dry run: nothing deleted)`);
    for (const id of outcome.runIds.slice(0, 20)) print(`  ${id}`);
    if (outcome.runIds.length > 20) print(`  … and ${formatCount(outcome.runIds.length - 20)} more (--json lists them all)`);
  } else {
    print(`deleted ${count} run${outcome.runIds.length === 1 ? '' : 's'}`);
  }
  return EXIT.ok;
}
