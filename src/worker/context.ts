import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigError } from '../errors/index.js';

/** What a running handler can know about itself, without it disturbing its positional args. */
export interface TaskContext {
  readonly runId: string;
  readonly nodeId: string;
  readonly task: string;
  readonly queue: string;
  /** 1 for the first attempt; counts retries and redeliveries. */
  readonly attempt: number;
  /**
   * Fires when the attempt should stop: its timeout passed (reason: TaskTimeoutError), or the
   * worker lost its lease (reason: LeaseLostError; another worker now owns the node).
   */
  readonly signal: AbortSignal;
  /**
   * Record how far this attempt is: any JSON value (at most maxPayloadBytes encoded). It replaces
   * the previous one, shows in `run.inspect()` as the node's `progress`, and is announced as a
   * node.progress event. Resolves false when the attempt no longer owns the node (its lease was
   * lost, or the run was reopened): nothing was recorded. Each call is one Redis script call;
   * report at the pace a person reads, not per item.
   */
  progress(value: unknown): Promise<boolean>;
}

const storage = new AsyncLocalStorage<TaskContext>();

export function runWithContext<T>(context: TaskContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * The context of the task attempt this code runs in (through AsyncLocalStorage, so it follows
 * awaits). Throws when called outside a handler.
 */
export function taskContext(): TaskContext {
  const context = storage.getStore();
  if (!context) throw new ConfigError('taskContext()', 'called outside a task handler');
  return context;
}
