import { RedisFullError } from '../errors/index.js';
import type { NodeMessage } from '../store/messages.js';
import type { NodeStore } from '../store/node-store.js';

export interface StartHandBackOptions {
  readonly onError: (error: unknown) => void;
  /** Frees slots that claimed messages held. */
  readonly release: (slots: number) => void;
  /** Redis is full: the fetch loop claims nothing for a while. */
  readonly pauseFetching: () => void;
}

/**
 * What a worker does with claimed messages whose start-nodes call failed. Usually nothing: their
 * leases will expire and the messages be redelivered. But a start Redis refused for lack of
 * memory (RedisFullError) wrote nothing, so the messages are handed back to *ready* at once
 * (release-messages.lua, which works at maxmemory) rather than after their leases, and fetching
 * pauses, since the next claim would succeed and its start be refused again.
 */
export class StartHandBack {
  constructor(
    private readonly nodes: NodeStore,
    private readonly options: StartHandBackOptions,
  ) {}

  /** The start of `messages`, claimed from `queue`, failed with `error`; their slots are freed here. */
  startFailed(error: unknown, queue: string, messages: readonly NodeMessage[]): void {
    const { onError, release } = this.options;
    onError(error);
    if (!(error instanceof RedisFullError)) {
      release(messages.length);
      return;
    }
    this.options.pauseFetching();
    this.nodes
      .release(queue, messages)
      .catch((releaseError: unknown) => onError(releaseError))
      .finally(() => release(messages.length));
  }
}
