import type { AnySchema } from '../util/schema.js';

/** How a failed attempt is retried. `attempts` counts every attempt, the first included. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly backoff?: {
    readonly type: 'fixed' | 'exponential';
    /** Fixed delay, or the first delay of an exponential backoff. */
    readonly delayMs: number;
    /** Cap on any single delay (exponential). */
    readonly maxDelayMs?: number;
    /** Spread each delay uniformly over [delay/2, delay] so that retries of a burst do not align. */
    readonly jitter?: boolean;
  };
}

/**
 * What submit and the worker know of a task apart from its handler, checked once when the
 * contract is made. Internal: users see it as a TaskContract.
 */
export interface ContractSpec {
  readonly name: string;
  readonly argsSchema?: AnySchema;
  readonly resultSchema?: AnySchema;
  readonly retry: RetryPolicy;
  readonly timeoutMs?: number;
  readonly queue: string;
  readonly priority: number;
}

/** One attempt, no retry: the default policy. */
export const NO_RETRY: RetryPolicy = { attempts: 1 };
