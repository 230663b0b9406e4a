import type { z } from 'zod';
import { Signature } from './signature.js';

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

export interface TaskOptions {
  readonly name: string;
  readonly args?: z.ZodType<readonly unknown[]>;
  readonly result?: z.ZodType;
  readonly retry?: RetryPolicy;
  /** Per-attempt time limit; the handler's AbortSignal fires when it passes. */
  readonly timeoutMs?: number;
  readonly queue?: string;
  readonly priority?: number;
}

export type TaskHandler<Args extends readonly unknown[], Result> = (...args: Args) => Result | Promise<Result>;

/** A task's first argument: what `.s()` without it receives from the parent. */
export type Head<T extends readonly unknown[]> = T extends readonly [infer H, ...unknown[]] ? H : never;
/** A task's arguments after the first: what `.s()` takes when the parent supplies the first. */
export type Tail<T extends readonly unknown[]> = T extends readonly [unknown, ...infer R] ? R : never;

/** What the worker needs to run a registered task; filled in by `app.task`. */
export interface TaskDefinition {
  readonly name: string;
  readonly handler: (...args: unknown[]) => unknown;
  readonly argsSchema?: z.ZodType<readonly unknown[]>;
  readonly resultSchema?: z.ZodType;
  readonly retry: RetryPolicy;
  readonly timeoutMs?: number;
  readonly queue: string;
  readonly priority: number;
}

/**
 * A registered task. `s()` makes a signature: with all arguments it can start a workflow; with
 * all but the first, the parent's value is prepended (`add.s(4)` after 8 runs `add(8, 4)`).
 * `si()` makes an immutable signature that ignores the parent's value.
 */
export class Task<Args extends readonly unknown[], Result> {
  /** @internal */
  readonly definition: TaskDefinition;

  /** @internal Made by `app.task`. */
  constructor(definition: TaskDefinition) {
    this.definition = definition;
  }

  get name(): string {
    return this.definition.name;
  }

  s(...args: Args): Signature<never, Result>;
  s(...args: Tail<Args>): Signature<Head<Args>, Result>;
  s(...args: readonly unknown[]): Signature<never, Result> | Signature<Head<Args>, Result> {
    return new Signature(this.name, args, false, {}, false);
  }

  si(...args: Args): Signature<unknown, Result> {
    return new Signature(this.name, args, true, {}, false);
  }
}
