import { z } from 'zod';
import { ConfigError, RunActiveError, RunExpiredError, RunNotFoundError } from '../errors/index.js';
import { RUN_STATUSES, type RunStatus } from '../store/records.js';
import type { RunStore } from '../store/run-store.js';
import { describeZodError } from '../util/zod.js';

export interface PurgeRunsOptions {
  /** Only runs with this status. `running` needs `force`. Default: every finished run. */
  readonly status?: RunStatus;
  /** Only runs created more than this long ago (by Redis's clock). */
  readonly olderThanMs?: number;
  /** Delete running runs too (each is cancelled, then deleted). */
  readonly force?: boolean;
  /** Only say which runs would be deleted. */
  readonly dryRun?: boolean;
}

export interface PurgeOutcome {
  readonly dryRun: boolean;
  /** The runs deleted (or, in a dry run, that would be), oldest first. */
  readonly runIds: readonly string[];
}

const purgeSchema = z
  .object({
    status: z.enum(RUN_STATUSES).optional(),
    olderThanMs: z.number().int().min(0).optional(),
    force: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

const BATCH = 500;

export function parsePurgeOptions(options: unknown): PurgeRunsOptions {
  const parsed = purgeSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError('purgeRuns()', describeZodError(parsed.error, 'options'));
  if (parsed.data.status === 'running' && !parsed.data.force) {
    throw new ConfigError('purgeRuns()', 'options.status "running" deletes running runs: pass force: true to mean it');
  }
  return parsed.data;
}

/**
 * Delete the runs that match, one delete-run script each (each run goes atomically; the purge as
 * a whole is not one transaction: a run finishing meanwhile may or may not be included). Runs
 * are read from the indexes, oldest first, never by a SCAN of the keyspace.
 */
export async function purgeRuns(runs: RunStore, options: PurgeRunsOptions): Promise<PurgeOutcome> {
  const { status, olderThanMs, force = false, dryRun = false } = options;
  const createdBefore = olderThanMs === undefined ? undefined : (await runs.now()) - olderThanMs;
  const indexes: readonly (RunStatus | 'all')[] = status ? [status] : force ? ['all'] : ['succeeded', 'failed', 'cancelled'];
  const runIds: string[] = [];
  for (const index of indexes) {
    let after: string | undefined;
    for (;;) {
      const members = await runs.indexMembers(index, { limit: BATCH, ...(createdBefore !== undefined ? { createdBefore } : {}), ...(after ? { after } : {}) });
      if (members.length === 0) break;
      after = members.at(-1);
      const ids = members.map((member) => member.slice(member.indexOf(':') + 1));
      const statuses = await runs.statuses(ids);
      for (const [position, id] of ids.entries()) {
        const current = statuses[position];
        // Gone already (expired, not pruned yet), or started again since the index was read.
        if (!current || (current === 'running' && !force)) continue;
        if (dryRun) {
          runIds.push(id);
          continue;
        }
        try {
          await runs.delete(id, force);
          runIds.push(id);
        } catch (error) {
          // Deleted by someone else meanwhile, or resumed (and not forced): not this purge's.
          if (!(error instanceof RunNotFoundError || error instanceof RunExpiredError || error instanceof RunActiveError)) throw error;
        }
      }
      if (members.length < BATCH) break;
    }
  }
  return { dryRun, runIds };
}
