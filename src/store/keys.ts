/**
 * Every Redis key celeriac uses is built here, and nowhere else.
 *
 * All keys of an app share one hash tag, `{<prefix>}`: a script touches a run's keys and queue
 * keys together, so on Redis Cluster they must live in one slot. (An app therefore lives on one
 * shard; scale out across shards with several prefixes.)
 *
 *   {p}:run:<id>            hash        the run's meta: name, status, createdAt, finishedAt,
 *                                       nodeCount, unfinished, output, failedNode
 *   {p}:run:<id>:nodes      hash        node id -> state JSON (fields: records.ts nodeStateSchema)
 *   {p}:run:<id>:specs      hash        node id -> spec JSON (fields: graph/spec.ts NodeSpec)
 *   {p}:run:<id>:results    hash        node id -> result JSON
 *   {p}:run:<id>:errors     hash        node id -> last error JSON
 *   {p}:runs                sorted set  run ids by creation time
 *   {p}:sequence            string      counter: first-come-first-served order in a queue
 *   {p}:queue:<q>:ready     sorted set  messages ready to run, by priority then arrival
 *   {p}:queue:<q>:delayed   sorted set  messages waiting for a countdown or retry backoff, by due time
 *   {p}:queue:<q>:leases    sorted set  messages being run, by lease deadline
 *   {p}:queue:<q>:signal    list        at most one token: wakes one blocked worker
 */
export interface RunKeys {
  readonly run: string;
  readonly nodes: string;
  readonly specs: string;
  readonly results: string;
  readonly errors: string;
}

export interface QueueKeys {
  readonly ready: string;
  readonly delayed: string;
  readonly leases: string;
  readonly signal: string;
}

export class KeySpace {
  private readonly tag: string;
  readonly sequence: string;
  readonly runsIndex: string;

  constructor(readonly prefix: string) {
    this.tag = `{${prefix}}`;
    this.sequence = `${this.tag}:sequence`;
    this.runsIndex = `${this.tag}:runs`;
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

  queue(name: string): QueueKeys {
    const base = `${this.tag}:queue:${name}`;
    return { ready: `${base}:ready`, delayed: `${base}:delayed`, leases: `${base}:leases`, signal: `${base}:signal` };
  }

  /** Pub/sub channel on which a run announces that it finished (not a key). */
  runChannel(runId: string): string {
    return `${this.tag}:events:run:${runId}`;
  }
}
