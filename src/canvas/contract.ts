import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';
import { DEFAULT_QUEUE } from '../graph/spec.js';
import { type AnySchema, isStandardSchema } from '../util/schema.js';
import { describeZodError } from '../util/zod.js';
import { type ContractSpec, NO_RETRY, type RetryPolicy } from './contract-spec.js';
import type { Spread } from './canvas.js';
import type { JsonOf, JsonParameters } from './json-of.js';
import { MAX_PRIORITY, queueNameSchema, Signature } from './signature.js';

export type { ContractSpec, RetryPolicy } from './contract-spec.js';

/** A schema of a task's positional arguments: any Standard Schema whose values are lists (a tuple). */
export type ArgsSchema = StandardSchemaV1<readonly unknown[], readonly unknown[]>;

export interface TaskOptions {
  readonly name: string;
  /** The positional arguments, as a tuple of any Standard Schema library (zod 3 or 4, valibot, arktype...). */
  readonly args?: ArgsSchema;
  /** The handler's value, as any Standard Schema. */
  readonly result?: StandardSchemaV1;
  readonly retry?: RetryPolicy;
  /** Per-attempt time limit; the handler's AbortSignal fires when it passes. */
  readonly timeoutMs?: number;
  readonly queue?: string;
  readonly priority?: number;
}

export type TaskHandler<Args extends readonly unknown[], Result> = (...args: Args) => Result | Promise<Result>;

const retrySchema = z
  .object({
    attempts: z.number().int().min(1).max(1000),
    backoff: z
      .object({
        type: z.enum(['fixed', 'exponential']),
        delayMs: z.number().int().min(0),
        maxDelayMs: z.number().int().min(0).optional(),
        jitter: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const SCHEMA_MESSAGE = 'must be a Standard Schema (zod 3.24+ or 4, valibot, arktype...)';

const taskOptionsSchema = z
  .object({
    name: z
      .string()
      .min(1, 'must not be empty')
      .regex(/^[^|\s]+$/, 'must not contain "|" or white space'),
    args: z.custom<AnySchema>(isStandardSchema, SCHEMA_MESSAGE).optional(),
    result: z.custom<AnySchema>(isStandardSchema, SCHEMA_MESSAGE).optional(),
    retry: retrySchema.optional(),
    timeoutMs: z.number().int().min(1).optional(),
    queue: queueNameSchema.optional(),
    priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  })
  .strict();

/** Check a task's options (where: `defineTask("add")` or `app.task("add")` for messages). */
export function parseContractOptions(where: string, options: TaskOptions): ContractSpec {
  const parsed = taskOptionsSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError(where, describeZodError(parsed.error, 'options'), { cause: parsed.error });
  const { data } = parsed;
  return {
    name: data.name,
    ...(data.args ? { argsSchema: data.args } : {}),
    ...(data.result ? { resultSchema: data.result } : {}),
    retry: data.retry ?? NO_RETRY,
    ...(data.timeoutMs !== undefined ? { timeoutMs: data.timeoutMs } : {}),
    queue: data.queue ?? DEFAULT_QUEUE,
    priority: data.priority ?? 0,
  };
}

function whereOf(call: string, options: unknown): string {
  const name: unknown = typeof options === 'object' && options !== null ? (options as { name?: unknown }).name : undefined;
  return `${call}(${typeof name === 'string' ? JSON.stringify(name) : ''})`;
}

/** A task's first argument: what `.s()` without it receives from the parent. */
export type Head<T extends readonly unknown[]> = T extends readonly [infer H, ...unknown[]] ? H : never;
/** A task's arguments after the first: what `.s()` takes when the parent supplies the first. */
export type Tail<T extends readonly unknown[]> = T extends readonly [unknown, ...infer R] ? R : never;

/** Every suffix of T, T itself included. */
export type SuffixesOf<T extends readonly unknown[]> = T | (T extends readonly [unknown, ...infer R] ? SuffixesOf<R> : never);
/** The suffixes of a task's arguments that leave two or more leading ones open (for a dag node with several parents). */
export type OpenSuffix<T extends readonly unknown[]> = T extends readonly [unknown, unknown, ...infer R] ? SuffixesOf<R> : never;
/** The arguments before the last `B['length']` ones (the bound suffix B): what a dag node's parents supply. */
export type OpenHead<T extends readonly unknown[], B extends readonly unknown[]> = B extends readonly [unknown, ...infer R]
  ? T extends readonly [...infer L, unknown]
    ? OpenHead<L, R>
    : never
  : T;

/** Spread<T>, or never when T is (arguments of unknown length leave nothing open to type). */
export type SpreadOf<T extends readonly unknown[]> = [T] extends [never] ? never : Spread<T>;

/** Contracts made by defineTask (and tasks): `implement` accepts no look-alike. */
const madeContracts = new WeakSet<object>();

/**
 * A task's name, schemas and options without its handler: what a service that only submits
 * needs. `s()` / `si()` make signatures exactly as a task's do; a worker process registers the
 * handler with `app.implement(contract, handler)`.
 *
 * Type parameters: `Args` what a caller binds (the args schema's input), `Result` the task's value
 * (the result schema's output; signatures carry its JSON form), `HandlerArgs` / `HandlerResult`
 * what the handler receives and returns.
 */
export class TaskContract<
  Args extends readonly unknown[],
  Result,
  HandlerArgs extends readonly unknown[] = Args,
  HandlerResult = Result,
> {
  /** Phantom (never set at run time): lets `implement` infer the handler's types from a contract. */
  declare readonly __types?: {
    readonly args: Args;
    readonly result: Result;
    readonly handlerArgs: HandlerArgs;
    readonly handlerResult: HandlerResult;
  };

  /** @internal Made by defineTask / app.task. */
  readonly spec: ContractSpec;

  /** @internal Use defineTask(). */
  constructor(spec: ContractSpec) {
    this.spec = spec;
    madeContracts.add(this);
  }

  get name(): string {
    return this.spec.name;
  }

  /**
   * A signature: with every argument it can start a workflow; with all but the first it takes the
   * parent's value; with fewer, a dag node takes its parents' values (`combine.s()` after two).
   */
  s(...args: Args): Signature<never, JsonOf<Result>>;
  s(...args: Tail<Args>): Signature<Head<Args>, JsonOf<Result>>;
  s<B extends OpenSuffix<Args>>(...args: B): Signature<number extends Args['length'] ? never : SpreadOf<OpenHead<Args, B>>, JsonOf<Result>>;
  s(...args: readonly unknown[]): Signature<never, unknown> {
    return new Signature(this.spec.name, args, false, {}, false, this.spec);
  }

  /** An immutable signature: it ignores the parent's value. */
  si(...args: Args): Signature<unknown, JsonOf<Result>> {
    return new Signature(this.spec.name, args, true, {}, false, this.spec);
  }
}

/** True for a contract made by defineTask or app.task (not an object shaped like one). */
export function isContract(value: unknown): value is TaskContract<readonly unknown[], unknown> {
  return typeof value === 'object' && value !== null && madeContracts.has(value);
}

/** The tuple members of a schema's type: a task's arguments. */
export type Tuple<T> = Extract<T, readonly unknown[]>;
/** What a schema accepts (Standard Schema's InferInput). */
export type SchemaInput<S extends StandardSchemaV1> = StandardSchemaV1.InferInput<S>;
/** What a schema produces (Standard Schema's InferOutput). */
export type SchemaOutput<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/**
 * Define a task without its handler. Types come from the `args` and `result` schemas (any
 * Standard Schema library); without schemas, give them as type arguments:
 * `defineTask<[a: number, b: number], number>({ name: 'add' })`.
 */
export function defineTask<A extends ArgsSchema, RS extends StandardSchemaV1>(
  options: TaskOptions & { readonly args: A; readonly result: RS } & JsonParameters<Tuple<SchemaInput<A>>>,
): TaskContract<Tuple<SchemaInput<A>>, SchemaOutput<RS>, Tuple<SchemaOutput<A>>, SchemaInput<RS>>;
export function defineTask<A extends ArgsSchema, R = unknown>(
  options: TaskOptions & { readonly args: A; readonly result?: undefined } & JsonParameters<Tuple<SchemaInput<A>>>,
): TaskContract<Tuple<SchemaInput<A>>, R, Tuple<SchemaOutput<A>>, R>;
export function defineTask<Args extends readonly unknown[], RS extends StandardSchemaV1>(
  options: TaskOptions & { readonly args?: undefined; readonly result: RS } & JsonParameters<Args>,
): TaskContract<Args, SchemaOutput<RS>, Args, SchemaInput<RS>>;
export function defineTask<Args extends readonly unknown[] = readonly unknown[], R = unknown>(
  options: TaskOptions & { readonly args?: undefined; readonly result?: undefined } & JsonParameters<Args>,
): TaskContract<Args, R>;
export function defineTask(options: TaskOptions): TaskContract<readonly unknown[], unknown> {
  return new TaskContract(parseContractOptions(whereOf('defineTask', options), options));
}

/** The `app.task` form's message prefix. */
export function appTaskWhere(options: unknown): string {
  return whereOf('app.task', options);
}
