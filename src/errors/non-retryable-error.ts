import { CeleriacError } from './celeriac-error.js';

/**
 * Throw this (or a subclass) from a handler to fail the node at once, skipping any retries
 * left in the task's policy. Wrap the real cause with `{ cause }`.
 */
export class NonRetryableError extends CeleriacError {
  readonly code: string = 'NON_RETRYABLE';
}
