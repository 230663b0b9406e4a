import type { App } from '../app.js';
import { RunExpiredError, RunNotFoundError } from '../errors/index.js';
import type { RunProgress } from './run.js';

/** A listed run's node counts, or null when it expired or was deleted since it was listed. */
export async function progressUnlessGone(app: App, runId: string): Promise<RunProgress | null> {
  try {
    return await app.getRun(runId).progress();
  } catch (error) {
    if (error instanceof RunExpiredError || error instanceof RunNotFoundError) return null;
    throw error;
  }
}
