import { ulid } from 'ulid';
import type { Canvas } from './canvas/canvas.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type ArgsSchema, appTaskWhere, isContract, parseContractOptions, type SchemaInput, type SchemaOutput, TaskContract, type Tuple } from './canvas/contract.js';
import type { JsonOf, JsonParameters } from './canvas/json-of.js';
import { parseSignatureOptions, Signature, type SignatureOptions } from './canvas/signature.js';
import { Task, type TaskDefinition, type TaskHandler, type TaskOptions } from './canvas/task.js';
import type { Unreplaced } from './canvas/replace.js';
import { type AppConfig, type AppOptions, connect, parseAppOptions } from './config.js';
import { ConfigError, DuplicateTaskError } from './errors/index.js';
import { Run, type RunContext } from './run/run.js';
import { RunEvents } from './run/run-events.js';
import type { EventStream } from './run/event-stream.js';
import type { CeleriacEvent } from './store/events.js';
import { readRecentEvents } from './store/event-history.js';
import { type PurgeOutcome, type PurgeRunsOptions, parsePurgeOptions, purgeRuns } from './run/purge.js';
import { KeySpace } from './store/keys.js';
import type { RedisClient } from './store/redis-client.js';
import { type DeadLetters, clearDeadLetters, readDeadLetters } from './store/dead-letters.js';
import { type QueueStats, knownQueues, readQueueStats } from './store/queue-stats.js';
import { type RepairReport, repairRuns } from './store/repair.js';
import { readWorkers, type WorkerList } from './store/workers.js';
import { parseThroughputWindow, type QueueThroughput, readThroughput, type ThroughputOptions } from './store/throughput.js';
import type { RunStore } from './store/run-store.js';
import { describeZodError } from './util/zod.js';
import { newRunId } from './util/run-ids.js';
import { Worker } from './worker/worker.js';
import type { WorkerOptions } from './worker/worker-options.js';
import { endSpanWithError, startSubmitSpan } from './tracing/spans.js';
import { AppConnection } from './app-connection.js';
import { Schedules } from './schedule/schedules.js';
import { type EventsHost, openEventStream, readEventPosition } from './app-events.js';
import { eagerRootQueues, listRunsQuery, planRun, runListOf } from './app-runs.js';
import type { SubmissionPlan } from './graph/plan.js';
import type { EagerStart } from './store/scripts/submit-run.js';
import {
  type AnyContract,
  type EventsOptions,
  type HandlerOf,
  type ListRunsOptions,
  type QueuesOptions,
  type RecentEventsOptions,
  recentEventsSchema,
  type RunList,
  type SubmitOptions,
  type TaskOf,
} from './app-options.js';

export type { AnyContract, EventsOptions, HandlerOf, ListRunsOptions, QueuesOptions, RecentEventsOptions, RunList, RunSummary, SubmitOptions, TaskOf } from './app-options.js';


/**
 * An app: a task registry, a Redis namespace (`prefix`) and the connections to reach it. Make
 * one per process with createApp(); submitters and workers of the same app share task names.
 */
export class App {
  /** @internal */
  readonly config: AppConfig;
  /** @internal */
  readonly keys: KeySpace;
  private readonly tasks = new Map<string, TaskDefinition>();
  private readonly ownWorkers = new Set<Worker>();
  private readonly connection: AppConnection;
  private readonly runEvents: RunEvents;
  private readonly eventStreams = new Set<EventStream>();
  private scheduleApi: Schedules | null = null;

  constructor(private readonly options: AppOptions = {}) {
    this.config = parseAppOptions(options);
    this.keys = new KeySpace(this.config.prefix, this.config.shards);
    this.connection = new AppConnection(this.config, this.keys);
    this.runEvents = new RunEvents(() => connect(this.config, true, 'events'), this.config.connectTimeoutMs, this.keys.waiterChannel(ulid()));
  }

  /** The app's command connection (the caller's own instance, if one was given). */
  get redis(): RedisClient {
    return this.connection.redis;
  }

  private get runs(): RunStore {
    return this.connection.runs;
  }

  /** On the command connection once it is ready, or RedisUnavailableError (AppConnection.withRedis). */
  private withRedis<T>(operation: (redis: RedisClient) => Promise<T>): Promise<T> {
    return this.connection.withRedis(operation);
  }

  /**
   * Register a task: define its contract and implement it in one step. Its positional argument
   * types come from `args` (a tuple of any Standard Schema library) when given, else from the
   * handler's parameters; its result type from `result`, else from the handler. Signatures carry
   * the JSON form of the result (JsonOf): a Date arrives downstream as a string.
   */
  task<A extends ArgsSchema, RS extends StandardSchemaV1>(
    options: TaskOptions & { readonly args: A; readonly result: RS } & JsonParameters<Tuple<SchemaInput<A>>>,
    handler: TaskHandler<Tuple<SchemaOutput<A>>, SchemaInput<RS>>,
  ): Task<Tuple<SchemaInput<A>>, SchemaOutput<RS>, Tuple<SchemaOutput<A>>, SchemaInput<RS>>;
  task<A extends ArgsSchema, R>(
    options: TaskOptions & { readonly args: A; readonly result?: undefined } & JsonParameters<Tuple<SchemaInput<A>>>,
    handler: TaskHandler<Tuple<SchemaOutput<A>>, R>,
  ): Task<Tuple<SchemaInput<A>>, Unreplaced<R>, Tuple<SchemaOutput<A>>, R>;
  task<Args extends readonly unknown[], RS extends StandardSchemaV1>(
    options: TaskOptions & { readonly args?: undefined; readonly result: RS },
    handler: TaskHandler<Args, SchemaInput<RS>> & JsonParameters<Args>,
  ): Task<Args, SchemaOutput<RS>, Args, SchemaInput<RS>>;
  task<Args extends readonly unknown[], R>(
    options: TaskOptions & { readonly args?: undefined; readonly result?: undefined },
    handler: TaskHandler<Args, R> & JsonParameters<Args>,
  ): Task<Args, Unreplaced<R>, Args, R>;
  task(options: TaskOptions, handler: (...args: never[]) => unknown): Task<readonly unknown[], unknown> {
    const where = appTaskWhere(options);
    const contract = new TaskContract<readonly unknown[], unknown>(parseContractOptions(where, options));
    return this.register(where, contract, handler);
  }

  /**
   * Register the handler of a contract made by defineTask (which a producer imports without this
   * code). The handler's parameter and return types come from the contract.
   */
  implement<C extends AnyContract>(contract: C, handler: HandlerOf<C>): TaskOf<C> {
    if (!isContract(contract)) throw new ConfigError('app.implement()', 'expected a contract made by defineTask()');
    return this.register(`app.implement(${JSON.stringify(contract.name)})`, contract, handler) as TaskOf<C>;
  }

  private register<Args extends readonly unknown[], Result, HandlerArgs extends readonly unknown[], HandlerResult>(
    where: string,
    contract: TaskContract<Args, Result, HandlerArgs, HandlerResult>,
    handler: unknown,
  ): Task<Args, Result, HandlerArgs, HandlerResult> {
    if (typeof handler !== 'function') throw new ConfigError(where, 'the handler must be a function');
    const { spec } = contract;
    const existing = this.tasks.get(spec.name);
    if (existing) throw new DuplicateTaskError(spec.name, existing.contract === spec);
    const definition: TaskDefinition = { ...spec, handler: handler as (...args: unknown[]) => unknown, contract: spec };
    this.tasks.set(spec.name, definition);
    return new Task<Args, Result, HandlerArgs, HandlerResult>(definition);
  }

  /**
   * A signature of a task by name, which this process need not implement (another codebase's
   * workers do). Like `.s()`, it receives its parent's value unless `immutable` is set. Name the
   * task's result type as `app.signature<R>(...)`; the signature carries its JSON form.
   */
  // Two signatures, so that R is never inferred from where the signature is used.
  signature(name: string, args?: readonly unknown[], options?: SignatureOptions & { readonly immutable?: boolean }): Signature<unknown, unknown>;
  signature<R>(name: string, args?: readonly unknown[], options?: SignatureOptions & { readonly immutable?: boolean }): Signature<unknown, JsonOf<R>>;
  signature(
    name: string,
    args: readonly unknown[] = [],
    options: SignatureOptions & { readonly immutable?: boolean } = {},
  ): Signature<unknown, unknown> {
    const { immutable = false, ...rest } = options;
    const parsed = parseSignatureOptions(`app.signature(${JSON.stringify(name)})`, rest);
    if (typeof name !== 'string' || name.length === 0) throw new ConfigError('app.signature()', 'the task name must be a non-empty string');
    if (!Array.isArray(args)) throw new ConfigError(`app.signature(${JSON.stringify(name)})`, 'args must be an array');
    return new Signature<unknown, unknown>(name, args, immutable, parsed, true);
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

  /** @internal The registered task of that name, if any. */
  lookup(name: string): TaskDefinition | undefined {
    return this.tasks.get(name);
  }

  /**
   * Compile, validate and write a canvas as a new run, in one round trip. Bad input throws a
   * typed error before anything is written.
   */
  async submit<R>(canvas: Canvas<never, R>, options: SubmitOptions = {}): Promise<Run<R>> {
    const { id, name, plan } = await planRun(canvas, options, this.config, (task) => this.tasks.get(task), newRunId);
    return this.submitPlanned<R>(id, name, plan);
  }

  /**
   * Schedules stored in Redis, managed from any process; the app's workers fire them (each tick
   * once, however many fire it), or `celeriac scheduler` alone (docs/scheduling.md).
   */
  get schedules(): Schedules {
    this.scheduleApi ??= new Schedules({
      keys: this.keys,
      withRedis: (operation) => this.withRedis(operation),
      plan: async (canvas) => (await planRun(canvas, {}, this.config, (task) => this.tasks.get(task), newRunId)).plan,
      submitPlanned: async (runId, name, plan) => void (await this.submitPlanned(runId, name, { ...plan, pendingChecks: null })),
      runStatus: async (runId) => (await this.withRedis(() => this.runs.meta(runId)))?.status ?? null,
      cancelRun: async (runId) => void (await this.getRun(runId).cancel()),
    });
    return this.scheduleApi;
  }

  /** Write a planned run (submit's second half; a schedule's fire starts here with its stored plan). */
  private async submitPlanned<R>(id: string, name: string, plan: SubmissionPlan): Promise<Run<R>> {
    const { span, storedTrace } = startSubmitSpan(id, name, plan.nodes.length, this.config.tracing);
    const notify = this.runEvents.waiterChannelIfOpen();
    const run = new Run<R>(id, this.runContext(), { output: plan.output, notified: notify !== null });
    if (notify) this.runEvents.expect(id, run);
    const eager = this.holdEager(plan);
    let handedOver = false;
    try {
      const { events } = this.config;
      const write = { retention: this.config.retention, storedTrace, eventsMaxLen: events.enabled ? events.maxLen : 0, notify, eager: eager?.start ?? null };
      const outcome = await this.withRedis(() => this.runs.submit(id, name, plan, write));
      if (eager) eager.worker.runEager(eager.start, outcome.started);
      handedOver = true;
      if (outcome.shortfall) throw outcome.shortfall;
    } catch (error) {
      if (eager && !handedOver) eager.worker.runEager(eager.start, []);
      if (notify) this.runEvents.unexpect(id);
      endSpanWithError(span, error);
      throw error;
    }
    span.end();
    return run;
  }

  /** A worker of this app, running here, that holds slots for the run's ready roots (eager start), if any. */
  private holdEager(plan: SubmissionPlan): { worker: Worker; start: EagerStart } | null {
    const rootQueues = eagerRootQueues(plan);
    if (rootQueues.length === 0) return null;
    for (const worker of this.ownWorkers) {
      const start = worker.holdEager(rootQueues);
      if (start) return { worker, start };
    }
    return null;
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
    const query = listRunsQuery(options);
    return runListOf(await this.withRedis(() => this.runs.list(query)));
  }

  /**
   * Delete many runs: by default every finished run; `status` narrows to one status,
   * `olderThanMs` to runs created longer ago than that (by Redis's clock). Running runs only
   * with `force` (each is cancelled, then deleted). `dryRun` deletes nothing and says which runs
   * would go. Each run is deleted atomically, as by `run.delete()`.
   */
  purgeRuns(options: PurgeRunsOptions = {}): Promise<PurgeOutcome> {
    const parsed = parsePurgeOptions(options);
    return this.withRedis(() => purgeRuns(this.runs, parsed));
  }

  /**
   * Messages no worker could act on (malformed, naming a missing run or node, or a duplicate of
   * a finished node), newest first, with totals by reason. Workers move such messages here
   * instead of retrying them forever.
   */
  async deadLetters(options: { readonly limit?: number } = {}): Promise<DeadLetters> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 0) throw new ConfigError('deadLetters()', 'options.limit must be a whole number, 0 or more');
    return this.withRedis((redis) => readDeadLetters(redis, this.keys, limit));
  }

  /**
   * How many messages each queue holds (ready, delayed, leased, counted at one instant) and how
   * long its oldest ready message has waited. The queues are those of the running runs, the
   * default queue and `options.names`, sorted by name: RedisClient keeps no list of queue names.
   */
  async queues(options: QueuesOptions = {}): Promise<QueueStats[]> {
    const names = options.names ?? [];
    if (!Array.isArray(names) || names.some((name) => typeof name !== 'string' || name === '' || name.includes('|'))) {
      throw new ConfigError('queues()', 'options.names must be queue names (non-empty strings without "|")');
    }
    return this.withRedis(async (redis) => readQueueStats(redis, this.keys, await knownQueues(redis, this.keys, names)));
  }

  /** Forget all dead letters and their counts. Returns how many entries there were. */
  clearDeadLetters(): Promise<number> {
    return this.withRedis((redis) => clearDeadLetters(redis, this.keys));
  }

  /**
   * The app's running workers, from the registry they keep in Redis: `live` beat within the last
   * 3 beat intervals (5 s each), `silent` did not and never said they stopped (a killed process, a
   * frozen host, a lost network); a silent worker is pruned after 24 h. Oldest first.
   */
  workers(): Promise<WorkerList> {
    return this.withRedis((redis) => readWorkers(redis, this.keys));
  }

  /**
   * Attempts finished per queue in 10 s buckets over the last `windowMs` (default 15 min, at most
   * 1 h), oldest first, every bucket present (zeros included); the last is the bucket now
   * filling. Workers count in memory and send their counts with their registry beat (every 5 s),
   * so a point is up to one beat late, and a killed worker's last beat of counts is lost.
   */
  throughput(options: ThroughputOptions = {}): Promise<QueueThroughput[]> {
    const windowMs = parseThroughputWindow(options);
    return this.withRedis((redis) => readThroughput(redis, this.keys, windowMs));
  }

  /**
   * Run the repair sweep now: every running run's nodes that wait for a worker but whose message
   * is in no queue are re-enqueued (workers also do this every `repairIntervalMs`). Safe to run
   * at any time, beside workers and other sweeps.
   */
  repair(): Promise<RepairReport> {
    return this.withRedis((redis) => repairRuns(redis, this.keys));
  }

  /**
   * The app's events, live, from every process (docs/events.md): `for await (const event of
   * app.events({ runId }))`. Each iteration has its own connection, closed on `break`, on the
   * signal, and by `app.close()`. An event's `id` is a cursor: `after: id` continues with the
   * next event, so a consumer that reconnects loses nothing the stream still retains.
   */
  events(options: EventsOptions = {}): AsyncIterableIterator<CeleriacEvent> {
    const stream = openEventStream(this.eventsHost(), options, (closed) => this.eventStreams.delete(closed));
    if (!options.signal?.aborted) this.eventStreams.add(stream);
    return stream;
  }

  /**
   * Where the event stream stands now: pass it as `events({ after })` to read what happens from
   * here on, after a read of state (a page's first drawing) that events will then keep current.
   */
  eventPosition(): Promise<string> {
    return readEventPosition(this.eventsHost());
  }

  /**
   * A run's events still in the stream (or one node's, with `nodeId`), oldest first: the newest
   * `limit` of them, found by looking back over at most `scanLimit` stream entries.
   */
  async recentEvents(options: RecentEventsOptions): Promise<CeleriacEvent[]> {
    const parsed = recentEventsSchema.safeParse(options);
    if (!parsed.success) throw new ConfigError('recentEvents()', describeZodError(parsed.error, 'options'));
    return this.withRedis((redis) => readRecentEvents(redis, this.keys, parsed.data));
  }

  /** Redis's clock now: the clock of every time celeriac records (createdAt, startedAt, event times). */
  time(): Promise<Date> {
    return this.withRedis(async (redis) => {
      const [seconds, micros] = await redis.time();
      return new Date(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
    });
  }

  /** A worker for this app's tasks. Call `start()` to begin consuming. */
  worker(options: WorkerOptions = {}): Worker {
    const worker = new Worker(
      {
        config: this.config,
        keys: this.keys,
        lookup: (name) => this.tasks.get(name),
        onRunFinished: (runId, finish) => this.runEvents.deliver(runId, this.keys.runChannel(runId), finish),
        schedules: this.schedules,
      },
      options,
    );
    this.ownWorkers.add(worker);
    return worker;
  }

  /** Close every worker made by this app (gracefully), then the app's own connections. */
  async close(): Promise<void> {
    await Promise.all([...this.ownWorkers].map((worker) => worker.close()));
    this.ownWorkers.clear();
    await Promise.all([...this.eventStreams].map((stream) => stream.close()));
    await this.runEvents.close();
    await this.connection.close();
  }

  private eventsHost(): EventsHost {
    return { config: this.config, keys: this.keys, connection: this.connection };
  }

  private runContext(): RunContext {
    return {
      runs: this.runs,
      withRedis: (operation) => this.withRedis(operation),
      events: this.runEvents,
      keys: this.keys,
      tracing: this.config.tracing,
    };
  }
}

/** Make an app. All options are optional; see AppOptions. */
export function createApp(options: AppOptions = {}): App {
  return new App(options);
}
