import { CeleriacError } from './celeriac-error.js';

/** The run existed but has expired (see the app's `retention`); its data is gone. */
export class RunExpiredError extends CeleriacError {
  readonly code = 'RUN_EXPIRED';
  readonly runId: string;
  readonly expiredAt: Date;

  constructor(runId: string, expiredAt: Date) {
    super(`run ${runId} expired at ${expiredAt.toISOString()} (retention); its data is gone`);
    this.runId = runId;
    this.expiredAt = expiredAt;
  }
}
