import { CeleriacError } from './celeriac-error.js';

/**
 * A script needed the keys of a queue it was not given: the run's stored list of queues (its
 * meta's `queues`) does not name a queue one of its nodes uses, so the run's state is
 * inconsistent (edited or restored by hand), or the caller passed the wrong queues.
 */
export class QueueKeysMissingError extends CeleriacError {
  readonly code = 'QUEUE_KEYS_MISSING';
  /** The script that refused, e.g. `complete-nodes`. */
  readonly operation: string;
  /** The queue whose keys were not passed. */
  readonly queue: string;

  constructor(operation: string, queue: string, options?: { cause?: unknown }) {
    super(`${operation} was refused: it needs the keys of queue "${queue}", which its run's queue list does not name`, options);
    this.operation = operation;
    this.queue = queue;
  }
}
