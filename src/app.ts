import { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { Canvas } from './canvas/canvas.js';
import { parseSignatureOptions, queueNameSchema, Signature, type SignatureOptions, MAX_PRIORITY } from './canvas/signature.js';
import { Task, type TaskDefinition, type TaskHandler, type TaskOptions } from './canvas/task.js';
import { type AppConfig, type AppOptions, connect, parseAppOptions } from './config.js';
import { ConfigError, DuplicateTaskError } from './errors/index.js';
import { compileCanvas } from './graph/compile.js';
import { planSubmission } from './graph/plan.js';
import { DEFAULT_QUEUE } from './graph/spec.js';
import { Run, type RunContext } from './run/run.js';
import { RunEvents } from './run/run-events.js';
import { type PurgeOutcome, type PurgeRunsOptions, parsePurgeOptions, purgeRuns } from './run/purge.js';
import { KeySpace } from './store/keys.js';
import { type DeadLetters, clearDeadLetters, readDeadLetters } from './store/dead-letters.js';
import { type RepairReport, repairRuns } from './store/repair.js';
import { RunStore } from './store/run-store.js';
import { RUN_STATUSES, type RunStatus } from './store/records.js';
import { parseInstant } from './util/instant.js';
import { describeZodError } from './util/zod.js';
import { Worker, type WorkerOptions } from './worker/worker.js';
import { NO_RETRY } from './worker/retry.js';
import { endSpanWithError, startSubmitSpan } from './tracing/spans.js';

export interface SubmitOptions {
  /** A name to find the run by (shown by inspect). Default: ''. */
  readonly name?: string;
  /** Use this id instead of a new ULID (idempotent submits: a second submit with it fails with RunExistsError). */
  readonly id?: string;
  /**
   * Start no node of the run before this instant: a Date, or an ISO 8601 string with its offset.
   * The run exists (and can be inspected or cancelled) at once; its first nodes wait in the
   * delayed set, as with a countdown. A time in the past starts the run at once.
   */
  readonly startAt?: Date | string;
}

type TupleSchema = z.ZodType<readonly unknown[], readonly unknown[]>;
type Tuple<T> = Extract<T, readonly unknown[]>;

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

const taskOptionsSchema = z
  .object({
    name: z
      .string()
      .min(1, 'must not be empty')
      .regex(/^[^|\s]+$/, 'must not contain "|" or white space'),
    args: z.custom<TupleSchema>((value) => value instanceof z.ZodType, 'must be a zod schema').optional(),
    result: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'must be a zod schema').optional(),
    retry: retrySchema.optional(),
    timeoutMs: z.number().int().min(1).optional(),
    queue: queueNameSchema.optional(),
    priority: z.number().int().min(0).max(MAX_PRIORITY).optional(),
  })
  .strict();

export interface ListRunsOptions {
  /** Only runs with this status. */
  readonly status?: RunStatus;
  /** Page size, 1 to 1000. Default 50. */
  readonly limit?: number;
  /** The `cursor` of the previous page. */
  readonly cursor?: string;
}

export interface RunSummary {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
  readonly nodeCount: number;
  /** Nodes not yet succeeded, failed or cancelled. */
  readonly unfinished: number;
}

export interface RunList {
  readonly runs: readonly RunSummary[];
  readonly cursor: string | null;
}

const listRunsSchema = z
  .object({
    status: z.enum(RUN_STATUSES).optional(),
    limit: z.number().int().min(1).max(1000).default(50),
    cursor: z.string().min(1).optional(),
  })
  .strict();

const runIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "_" or "-"');

/**
 * An app: a task registry, a Redis namespace (`prefix`) and the connections to reach it. Make
 * one per process with createApp(); submitters and workers of the same app share task names.
 */
export class App {
  readonly config: AppConfig;
  readonly keys: KeySpace;
  private readonly tasks = new Map<string, TaskDefinition>();
  private readonly workers = new Set<Worker>();
  private commandConnection: Redis | null = null;
  private readonly events: RunEvents;
  private runStore: RunStore | null = null;

  constructor(private readonly options: AppOptions = {}) {
    this.config = parseAppOptions(options);
    this.keys = new KeySpace(this.config.prefix);
    this.events = new RunEvents(() => connect(this.config, true, 'events'));
  }

  /** The app's command connection (the caller's own instance, if one was given). */
  get redis(): Redis {
    if (!this.commandConnection) {
      this.commandConnection =
        this.config.redis instanceof Redis ? this.config.redis : connect(this.config, false, 'commands');
    }
    return this.commandConnection;
  }

  private get runs(): RunStore {
    this.runStore ??= new RunStore(this.redis, this.keys);
    return this.runStore;
  }

  /**
   * Register a task. Its positional argument types come from `args` (a zod tuple) when given,
   * else from the handler's parameters; its result type from `result`, else from the handler.
   */
  task<A extends TupleSchema, RS extends z.ZodType>(
    options: TaskOptions & { readonly args: A; readonly result: RS },
    handler: TaskHandler<Tuple<z.output<A>>, z.input<RS>>,
  ): Task<Tuple<z.input<A>>, z.output<RS>>;
  task<A extends TupleSchema, R>(
    options: TaskOptions & { readonly args: A; readonly result?: undefined },
    handler: TaskHandler<Tuple<z.output<A>>, R>,
  ): Task<Tuple<z.input<A>>, R>;
  task<Args extends readonly unknown[], RS extends z.ZodType>(
    options: TaskOptions & { readonly args?: undefined; readonly result: RS },
    handler: TaskHandler<Args, z.input<RS>>,
  ): Task<Args, z.output<RS>>;
  task<Args extends readonly unknown[], R>(
    options: TaskOptions & { readonly args?: undefined; readonly result?: undefined },
    handler: TaskHandler<Args, R>,
  ): Task<Args, R>;
  task(options: TaskOptions, handler: (...args: never[]) => unknown): Task<readonly unknown[], unknown> {
    const parsed = taskOptionsSchema.safeParse(options);
    const where = `app.task(${typeof options?.name === 'string' ? JSON.stringify(options.name) : ''})`;
    if (!parsed.success) throw new ConfigError(where, describeZodError(parsed.error, 'options'), { cause: parsed.error });
    if (typeof handler !== 'function') throw new ConfigError(where, 'the handler must be a function');
    const { name } = parsed.data;
    if (this.tasks.has(name)) throw new DuplicateTaskError(name);
    const definition: TaskDefinition = {
      name,
      handler: handler as (...args: unknown[]) => unknown,
      ...(options.args ? { argsSchema: options.args } : {}),
      ...(options.result ? { resultSchema: options.result } : {}),
      retry: parsed.data.retry ?? NO_RETRY,
      ...(parsed.data.timeoutMs !== undefined ? { timeoutMs: parsed.data.timeoutMs } : {}),
      queue: parsed.data.queue ?? DEFAULT_QUEUE,
      priority: parsed.data.priority ?? 0,
    };
    this.tasks.set(name, definition);
    return new Task(definition);
  }

  /**
   * A signature of a task by name, which this process need not implement (another codebase's
   * workers do). Like `.s()`, it receives its parent's value unless `immutable` is set.
   */
  signature<R = unknown>(
    name: string,
    args: readonly unknown[] = [],
    options: SignatureOptions & { readonly immutable?: boolean } = {},
  ): Signature<unknown, R> {
    const { immutable = false, ...rest } = options;
    const parsed = parseSignatureOptions(`app.signature(${JSON.stringify(name)})`, rest);
    if (typeof name !== 'string' || name.length === 0) throw new ConfigError('app.signature()', 'the task name must be a non-empty string');
    if (!Array.isArray(args)) throw new ConfigError(`app.signature(${JSON.stringify(name)})`, 'args must be an array');
    return new Signature<unknown, R>(name, args, immutable, parsed, true);
  }

  /**
   * A new app with the same tasks and these options merged over this one's (another Redis,
   * another prefix). `celeriac worker --redis/--prefix` uses it.
   */
  withOptions(options: AppOptions): App {
    const copy = new App({ ...this.options, ...options });
    for (const [name, definition] of this.tasks) copy.tasks.set(name, definition);
    return copy;
  }

  /** The registered task of that name, if any. */
  lookup(name: string): TaskDefinition | undefined {
    return this.tasks.get(name);
  }

  /**
   * Compile, validate and write a canvas as a new run, in one round trip. Bad input throws a
   * typed error before anything is written.
   */
  async submit<R>(canvas: Canvas<never, R>, options: SubmitOptions = {}): Promise<Run<R>> {
    const id = options.id ?? ulid();
    const idCheck = runIdSchema.safeParse(id);
    if (!idCheck.success) throw new ConfigError('submit()', describeZodError(idCheck.error, 'options.id'));
    const name = options.name ?? '';
    if (typeof name !== 'string') throw new ConfigError('submit()', 'options.name must be a string');
    const startAtMs = options.startAt === undefined ? undefined : parseInstant(options.startAt, 'submit(): options.startAt');
    const compiled = compileCanvas(canvas, { maxNodes: this.config.maxCanvasNodes });
    const plan = planSubmission(compiled, {
      lookup: (task) => this.tasks.get(task),
      maxPayloadBytes: this.config.maxPayloadBytes,
      maxCanvasNodes: this.config.maxCanvasNodes,
      maxCanvasBytes: this.config.maxCanvasBytes,
      ...(startAtMs !== undefined ? { startAtMs } : {}),
    });
    const { span, storedTrace } = startSubmitSpan(id, name, plan.nodes.length, this.config.tracing);
    try {
      await this.runs.submit(id, name, plan, this.config.retention, storedTrace);
    } catch (error) {
      endSpanWithError(span, error);
      throw error;
    }
    span.end();
    return new Run<R>(id, this.runContext());
  }

  /** A handle on an existing run, from any process. Does no I/O until used. */
  getRun<R = unknown>(id: string): Run<R> {
    return new Run<R>(id, this.runContext());
  }

  /**
   * Runs newest first, read from an index (never a SCAN of the keyspace). Pass the returned
   * `cursor` back for the next page; it is null on the last one.
   */
  async listRuns(options: ListRunsOptions = {}): Promise<RunList> {
    const parsed = listRunsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError('listRuns()', describeZodError(parsed.error, 'options'));
    const page = await this.runs.list({
      limit: parsed.data.limit,
      ...(parsed.data.status ? { status: parsed.data.status } : {}),
      ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}),
    });
    return {
      runs: page.runs.map((meta) => ({
        id: meta.id,
        name: meta.name,
        status: meta.status,
        createdAt: new Date(meta.createdAt),
        ...(meta.finishedAt !== undefined ? { finishedAt: new Date(meta.finishedAt) } : {}),
        nodeCount: meta.nodeCount,
        unfinished: meta.unfinished,
      })),
      cursor: page.cursor,
    };
  }

  /**
   * Delete many runs: by default every finished run; `status` narrows to one status,
   * `olderThanMs` to runs created longer ago than that (by Redis's clock). Running runs only
   * with `force` (each is cancelled, then deleted). `dryRun` deletes nothing and says which runs
   * would go. Each run is deleted atomically, as by `run.delete()`.
   */
  purgeRuns(options: PurgeRunsOptions = {}): Promise<PurgeOutcome> {
    return purgeRuns(this.runs, parsePurgeOptions(options));
  }

  /**
   * Messages no worker could act on (malformed, naming a missing run or node, or a duplicate of
   * a finished node), newest first, with totals by reason. Workers move such messages here
   * instead of retrying them forever.
   */
  async deadLetters(options: { readonly limit?: number } = {}): Promise<DeadLetters> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 0) throw new ConfigError('deadLetters()', 'options.limit must be a whole number, 0 or more');
    return readDeadLetters(this.redis, this.keys, limit);
  }

  /** Forget all dead letters and their counts. Returns how many entries there were. */
  clearDeadLetters(): Promise<number> {
    return clearDeadLetters(this.redis, this.keys);
  }

  /**
   * Run the repair sweep now: every running run's nodes that wait for a worker but whose message
   * is in no queue are re-enqueued (workers also do this every `repairIntervalMs`). Safe to run
   * at any time, beside workers and other sweeps.
   */
  repair(): Promise<RepairReport> {
    return repairRuns(this.redis, this.keys);
  }

  /** A worker for this app's tasks. Call `start()` to begin consuming. */
  worker(options: WorkerOptions = {}): Worker {
    const worker = new Worker({ config: this.config, keys: this.keys, lookup: (name) => this.tasks.get(name) }, options);
    this.workers.add(worker);
    return worker;
  }

  /** Close every worker made by this app (gracefully), then the app's own connections. */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((worker) => worker.close()));
    this.workers.clear();
    await this.events.close();
    const connection = this.commandConnection;
    this.commandConnection = null;
    this.runStore = null;
    if (connection && connection !== this.config.redis) await connection.quit().catch(() => connection.disconnect());
  }

  private runContext(): RunContext {
    return { runs: this.runs, events: this.events, keys: this.keys, tracing: this.config.tracing };
  }
}

/** Make an app. All options are optional; see AppOptions. */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
