import type { RetryPolicy } from '../canvas/contract-spec.js';
import {
  ArgsValidationError,
  CanvasValidationError,
  MapInputError,
  MapTooLargeError,
  NestingTooDeepError,
  ReplaceTooDeepError,
  NonRetryableError,
  NotJsonError,
  PayloadTooLargeError,
  ResultValidationError,
  UnknownTaskError,
} from '../errors/index.js';

export { NO_RETRY } from '../canvas/contract-spec.js';

/** Errors that another attempt cannot fix: the same input gives the same failure. */
function isPermanent(error: unknown): boolean {
  return (
    error instanceof NonRetryableError ||
    error instanceof ArgsValidationError ||
    error instanceof ResultValidationError ||
    error instanceof NotJsonError ||
    error instanceof NestingTooDeepError ||
    error instanceof PayloadTooLargeError ||
    error instanceof UnknownTaskError ||
    error instanceof CanvasValidationError ||
    error instanceof MapInputError ||
    error instanceof MapTooLargeError ||
    error instanceof ReplaceTooDeepError
  );
}

/**
 * Milliseconds to wait before the next attempt, or null to fail for good. `attemptsUsed` counts
 * the attempts that ended in a failure, this one included (redeliveries after a lost worker are
 * not counted: the task did not fail, its worker did).
 */
export function retryDelay(policy: RetryPolicy, attemptsUsed: number, error: unknown, random = Math.random): number | null {
  if (isPermanent(error) || attemptsUsed >= policy.attempts) return null;
  const backoff = policy.backoff;
  if (!backoff) return 0;
  let delay =
    backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, attemptsUsed - 1);
  if (backoff.maxDelayMs !== undefined) delay = Math.min(delay, backoff.maxDelayMs);
  // "Equal jitter": half fixed, half random, so retries of a burst spread out but never collapse to 0.
  if (backoff.jitter) delay = delay / 2 + random() * (delay / 2);
  return Math.round(delay);
}
