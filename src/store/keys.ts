/**
 * Every Redis key celeriac uses is built here, and nowhere else.
 *
 * An app's runs are spread over `shards` shards. A shard's keys share one hash tag, `{<prefix>}`
 * when there is one shard and `{<prefix>:<n>}` for shard n of several: every script touches the
 * keys of one shard only (a run's keys, its shard's queues, indexes and event stream), so on Redis
 * Cluster it runs in one slot, and different shards land on different primaries. A run's shard is
 * a hash of its id (shardOf), fixed by the shard count, which `{<prefix>}:meta` records so that an
 * app configured with another count is refused instead of losing track of runs.
 *
 * Keys of one shard ({p} below is the shard's tag):
 *
 *   {p}:run:<id>            hash        the run's meta: name, status, createdAt, finishedAt,
 *                                       nodeCount, unfinished, output, failedNode
 *   {p}:run:<id>:nodes      hash        node id -> state (format: node-state.ts); a
 *                                       root that never started has none (absent = queued)
 *   {p}:run:<id>:specs      hash        node id -> spec JSON (fields: graph/spec.ts NodeSpec)
 *   {p}:run:<id>:specs:staging:<token>
 *                           hash        a submit's specs before it commits: renamed to the run's
 *                                       specs by submit-run (expires if the submit never commits)
 *   {p}:run:<id>:results    hash        node id -> result JSON
 *   {p}:run:<id>:errors     hash        node id -> last error JSON
 *   {p}:runs                sorted set  every run, members "<createdAt, 15 digits>:<id>" (score 0,
 *                                       read by lex range: newest first, exact cursors)
 *   {p}:runs:status:<s>     sorted set  the same members, one set per run status
 *   {p}:runs:expiry         sorted set  index members of finished runs by expiry time (prune)
 *   {p}:runs:expired        sorted set  run ids by expiry time: tells an expired run from an
 *                                       unknown one for a while after it expired
 *   {p}:sequence            string      counter: first-come-first-served order in a queue
 *   {p}:queue:<q>:ready     sorted set  messages ready to run, by priority then arrival
 *   {p}:queue:<q>:delayed   sorted set  messages waiting for a countdown or retry backoff, by due time
 *   {p}:queue:<q>:leases    sorted set  messages being run, by lease deadline
 *   {p}:queue:<q>:signal    list        at most one token: wakes one blocked worker
 *   {p}:queue:<q>:ranged    string      how many more messages the ready set's range members
 *                                       stand for than they are members (includes/ranges.lua)
 *   {p}:dead-letters        list        messages no worker could act on, newest first, JSON
 *                                       { at, queue, message, reason, runId?, nodeId? }; the
 *                                       newest 10,000 are kept (includes/dead-letter.lua)
 *   {p}:dead-letters:counts hash        reason -> how many messages were dead-lettered for it
 *   {p}:events              stream      the app's event stream, capped (includes/events.lua writes it,
 *                                       store/events.ts reads it)
 *
 * Keys of the app as a whole, tagged `{<prefix>}` whatever the shard count:
 *   {p}:meta                hash        shards: the shard count the prefix was created with
 *   {p}:repair:lock         string      held by the worker running the repair sweep (with a TTL)
 *   {p}:workers             hash        worker id -> record JSON (store/workers.ts), written by
 *                                       worker-heartbeat.lua
 *   {p}:workers:seen        sorted set  worker id by its last beat (ms, Redis's clock)
 *   {p}:workers:started     sorted set  worker id by its first beat
 *   {p}:throughput          hash        "<bucket ms>|<queue>|s|f" -> attempts finished in that
 *                                       bucket (store/throughput.ts), added by worker-heartbeat.lua
 *   {p}:throughput:index    sorted set  "<bucket ms>|<queue>" by bucket: what to trim past retention
 */
export interface RunKeys {
  readonly run: string;
  readonly nodes: string;
  readonly specs: string;
  readonly results: string;
  readonly errors: string;
}

/** The app-wide indexes of runs, in the order scripts receive them after a run's own keys. */
export interface RunIndexKeys {
  readonly all: string;
  readonly running: string;
  readonly succeeded: string;
  readonly failed: string;
  readonly cancelled: string;
  readonly expiry: string;
  readonly expired: string;
}

/** Where dead letters go (includes/dead-letter.lua). */
export interface DeadLetterKeys {
  readonly list: string;
  readonly counts: string;
}

/** Attempts finished per queue and bucket (store/throughput.ts), in worker-heartbeat.lua's order. */
export interface ThroughputKeys {
  readonly counts: string;
  readonly index: string;
}

/** The registry of running workers (worker-heartbeat.lua), in the order the script takes them. */
export interface WorkerRegistryKeys {
  readonly records: string;
  readonly seen: string;
  readonly started: string;
}

export interface QueueKeys {
  readonly ready: string;
  readonly delayed: string;
  readonly leases: string;
  readonly signal: string;
  readonly ranged: string;
}

/** How many keys each queue passes to a script (queueScriptKeys); Lua reads it as QUEUE_KEY_COUNT. */
export const QUEUE_KEY_COUNT = 5;

/** How many runs' key lists a ShardKeys remembers (then it starts over). */
const RECENT_RUN_KEYS = 1024;

/** The keys of one shard: its runs, their indexes, its queues, dead letters and event stream. */
export class ShardKeys {
  private readonly tag: string;
  readonly sequence: string;
  readonly runIndexes: RunIndexKeys;
  readonly deadLetters: DeadLetterKeys;
  /** The shard's event stream: one key, so a consumer follows all of the shard's runs with one XREAD. */
  readonly events: string;
  /**
   * Runs with an error callback fired and not yet released (a sorted set of run ids, scored by
   * when): fire-errbacks empties it, the repair sweep after a process that died in between.
   */
  readonly errbacks: string;
  private readonly recentRunKeys = new Map<string, readonly string[]>();
  private readonly queueKeys = new Map<string, QueueKeys>();

  constructor(
    readonly prefix: string,
    /** This shard's number, 0 to shards - 1. */
    readonly index: number,
    shards: number,
  ) {
    this.tag = shards === 1 ? `{${prefix}}` : `{${prefix}:${index}}`;
    this.sequence = `${this.tag}:sequence`;
    this.deadLetters = { list: `${this.tag}:dead-letters`, counts: `${this.tag}:dead-letters:counts` };
    this.events = `${this.tag}:events`;
    this.errbacks = `${this.tag}:errbacks`;
    const runs = `${this.tag}:runs`;
    this.runIndexes = {
      all: runs,
      running: `${runs}:status:running`,
      succeeded: `${runs}:status:succeeded`,
      failed: `${runs}:status:failed`,
      cancelled: `${runs}:status:cancelled`,
      expiry: `${runs}:expiry`,
      expired: `${runs}:expired`,
    };
  }

  /**
   * The 14 keys every run-level script takes first (includes/run.lua runKeysFrom): the run's own,
   * the run indexes, the event stream every transition writes to, and the shard's errbacks (a
   * node that fails for good may fire an error callback wherever it fails). Remembered for
   * the most recent runs: a worker asks for the same run's keys on every start and completion.
   */
  runScriptKeys(runId: string): readonly string[] {
    let keys = this.recentRunKeys.get(runId);
    if (!keys) {
      const run = this.run(runId);
      const index = this.runIndexes;
      keys = [
        run.run, run.nodes, run.specs, run.results, run.errors,
        index.all, index.running, index.succeeded, index.failed, index.cancelled, index.expiry, index.expired,
        this.events, this.errbacks,
      ];
      if (this.recentRunKeys.size >= RECENT_RUN_KEYS) this.recentRunKeys.clear();
      this.recentRunKeys.set(runId, keys);
    }
    return keys;
  }

  /** The index keys in prune-runs order. */
  indexScriptKeys(): string[] {
    const index = this.runIndexes;
    return [index.all, index.running, index.succeeded, index.failed, index.cancelled, index.expiry, index.expired];
  }

  /** QUEUE_KEY_COUNT keys per queue, in the order scripts take them (queueKeysAt in common.lua). */
  queueScriptKeys(queues: readonly string[]): string[] {
    const keys: string[] = [];
    for (const name of queues) {
      const q = this.queue(name);
      keys.push(q.ready, q.delayed, q.leases, q.signal, q.ranged);
    }
    return keys;
  }

  run(runId: string): RunKeys {
    const base = `${this.tag}:run:${runId}`;
    return {
      run: base,
      nodes: `${base}:nodes`,
      specs: `${base}:specs`,
      results: `${base}:results`,
      errors: `${base}:errors`,
    };
  }

  /** Where one submit stages the run's specs before submit-run commits them (RunStore.submit). */
  stagedSpecs(runId: string, token: string): string {
    return `${this.tag}:run:${runId}:specs:staging:${token}`;
  }

  queue(name: string): QueueKeys {
    let keys = this.queueKeys.get(name);
    if (!keys) {
      const base = `${this.tag}:queue:${name}`;
      keys = { ready: `${base}:ready`, delayed: `${base}:delayed`, leases: `${base}:leases`, signal: `${base}:signal`, ranged: `${base}:ranged` };
      // Queues are few (names come from code, not data), so every one is remembered.
      this.queueKeys.set(name, keys);
    }
    return keys;
  }

  /** Pub/sub channel on which a run announces that it finished (not a key). */
  runChannel(runId: string): string {
    return `${this.tag}:events:run:${runId}`;
  }
}

/** FNV-1a (32 bits) of a run id: spreads ids evenly, and is the same in every process and version. */
function hashRunId(runId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < runId.length; index++) {
    hash ^= runId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The keys of an app: its shards, and the few keys of the app as a whole. */
export class KeySpace {
  /** Every shard, by number. */
  readonly shards: readonly ShardKeys[];
  /** The shard count this app was configured with, and the count it checks against Redis. */
  readonly meta: string;
  readonly workers: WorkerRegistryKeys;
  readonly throughput: ThroughputKeys;
  /** Held by the worker running the repair sweep, which covers every shard. */
  readonly repairLock: string;
  /** The schedules' index keys (src/schedule/): app-wide, in the app's slot. */
  readonly schedules: { readonly ids: string; readonly due: string; readonly firing: string };
  /** Pub/sub channel on which cancel-run names a run whose running attempts must abort (not a key). */
  readonly cancellationsChannel: string;

  constructor(
    readonly prefix: string,
    shardCount = 1,
  ) {
    const tag = `{${prefix}}`;
    this.shards = Array.from({ length: shardCount }, (_unused, index) => new ShardKeys(prefix, index, shardCount));
    this.meta = `${tag}:meta`;
    this.workers = { records: `${tag}:workers`, seen: `${tag}:workers:seen`, started: `${tag}:workers:started` };
    this.throughput = { counts: `${tag}:throughput`, index: `${tag}:throughput:index` };
    this.repairLock = `${tag}:repair:lock`;
    this.schedules = { ids: `${tag}:schedules:ids`, due: `${tag}:schedules`, firing: `${tag}:schedules:firing` };
    this.cancellationsChannel = `${tag}:events:cancellations`;
  }

  /** A schedule's hash (store/schedule-format.ts). */
  schedule(id: string): string {
    return `{${this.prefix}}:schedule:${id}`;
  }

  /** Pub/sub channel on which the runs a process submitted announce their finish to it (run-events.ts; not a key). */
  waiterChannel(processId: string): string {
    return `{${this.prefix}}:events:waiter:${processId}`;
  }

  /** The number of the shard that holds a run. */
  shardOf(runId: string): number {
    return this.shards.length === 1 ? 0 : hashRunId(runId) % this.shards.length;
  }

  /** The keys of the shard that holds a run. */
  forRun(runId: string): ShardKeys {
    return this.shards[this.shardOf(runId)]!;
  }

  /** Shorthands for the run's own keys, in its shard. */
  run(runId: string): RunKeys {
    return this.forRun(runId).run(runId);
  }

  runScriptKeys(runId: string): readonly string[] {
    return this.forRun(runId).runScriptKeys(runId);
  }

  runChannel(runId: string): string {
    return this.forRun(runId).runChannel(runId);
  }
}
