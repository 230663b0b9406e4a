import { ConfigError, NodeNotFoundError, ResultTimeoutError, RunDamagedError, WorkflowCancelledError, WorkflowFailedError } from '../errors/index.js';
import { fillTemplate, type InputTemplate, neededNodes, templateNodes } from '../graph/template.js';
import { parseFinishMessage } from '../store/finish-message.js';
import { recordRunSpan, type TracingOptions } from '../tracing/spans.js';
import type { KeySpace } from '../store/keys.js';
import { nodeErrorSchema, type NodeStatus, type RunStatus, TERMINAL_RUN_STATUSES } from '../store/records.js';
import type { RunMeta, RunStore } from '../store/run-store.js';
import type { RunEvents } from './run-events.js';
import { type InspectNodeOptions, type NodeDetailInspection, type NodeInspection, nodeDetailOf, nodeInspectionOf, timeField } from './node-inspection.js';

export type { InspectNodeOptions, NodeDetailInspection, NodeInspection } from './node-inspection.js';

export interface InspectOptions {
  /** Include each succeeded node's result (one more hash read; a wide run's results can be large). */
  readonly results?: boolean;
}

export interface RunInspection {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
  /** The node that failed the run, if it failed. */
  readonly failedNode?: string;
  /** When the run's keys expire (a finished run; see the app's `retention`). */
  readonly expiresAt?: Date;
  /** How many times the run was resumed or rerun. */
  readonly reopened: number;
  readonly nodes: readonly NodeInspection[];
}

export interface RunProgress {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
  /** Number of nodes. */
  readonly total: number;
  /** Nodes in each state. */
  readonly counts: Readonly<Record<NodeStatus, number>>;
}

export interface ReopenOutcome {
  /** False when there was nothing to do (a resume of a running or succeeded run). */
  readonly changed: boolean;
  readonly status: RunStatus;
  /** Nodes made runnable again. */
  readonly resetNodes: number;
  /** Of those, the nodes handed to workers at once (the others wait for their dependencies). */
  readonly enqueuedNodes: number;
}

export interface CancelOutcome {
  /** False when the run had already finished. */
  readonly changed: boolean;
  readonly status: RunStatus;
  /** Nodes cancelled before they started. */
  readonly cancelledNodes: number;
  /** Attempts that were running and have been told to abort. */
  readonly runningNodes: number;
}

export interface DeleteOptions {
  /** Delete a running run too: it is cancelled first (its attempts abort), then deleted. */
  readonly force?: boolean;
}

export interface DeleteOutcome {
  /** The status the run had when it was deleted (`running` only with `force`). */
  readonly status: RunStatus;
}

export interface ResultOptions {
  /** Reject with ResultTimeoutError after this long (the run goes on). Default: wait forever. */
  readonly timeoutMs?: number;
}

/** What a Run needs from its app. */
export interface RunContext {
  readonly runs: RunStore;
  /** Runs an operation once the app's command connection is ready; RedisUnavailableError when Redis is not there (App.withRedis). */
  readonly withRedis: <T>(operation: () => Promise<T>) => Promise<T>;
  readonly events: RunEvents;
  readonly keys: KeySpace;
  readonly tracing: TracingOptions;
}

/** What inspect() and progress() both say about the run itself. */
function runHeader(meta: RunMeta) {
  return {
    id: meta.id,
    name: meta.name,
    status: meta.status,
    createdAt: new Date(meta.createdAt),
    ...timeField('finishedAt', meta.finishedAt),
  };
}

/**
 * The run's value from a finish message that carries its output's results, or undefined when the
 * message does not (another status, a large output, one in no known format): then the run is read.
 */
function valueFromMessage<R>(output: InputTemplate, message: string, reopened: number): { readonly value: R } | undefined {
  const finish = parseFinishMessage(message);
  // A copy of an earlier finish (before a resume or rerun) delivered late answers nothing.
  const values = finish?.status === 'succeeded' && finish.reopened === reopened ? finish.values : null;
  const ids = templateNodes(output);
  if (!values || values.length !== ids.length) return undefined;
  const byId = new Map<string, unknown>();
  ids.forEach((id, index) => byId.set(id, values[index]));
  return { value: fillTemplate(output, (nodeId) => byId.get(nodeId)) as R };
}

/** @internal What app.submit knows of the run it wrote (Run's constructor). */
export interface SubmittedRun {
  readonly output: InputTemplate;
  /** The submit named this process's waiter channel, and RunEvents expects the run's finish. */
  readonly notified: boolean;
}

/**
 * A handle on a run, from the process that submitted it or any other (`app.getRun(id)`). Holds
 * nothing but the id: every answer is read from Redis.
 */
export class Run<R = unknown> {
  /**
   * @internal Made by `app.submit` and `app.getRun`. `submitted`: what app.submit knows of the run
   * it wrote: its output template, and whether it named this process's waiter channel (run-events.ts).
   */
  constructor(
    readonly id: string,
    private readonly context: RunContext,
    private readonly submitted: SubmittedRun | null = null,
  ) {}

  /**
   * The run's value once it succeeds. Rejects with WorkflowFailedError or WorkflowCancelledError,
   * RunNotFoundError for an unknown id, ResultTimeoutError after `timeoutMs`. Waits on pub/sub,
   * never polls, and re-reads the run after a reconnect; answers at once for a finished run, and
   * without another read when the finish message carries a small output's results.
   */
  async result(options: ResultOptions = {}): Promise<R> {
    const { timeoutMs } = options;
    let settle!: { resolve: (value: R) => void; reject: (error: unknown) => void };
    const outcome = new Promise<R>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let finished = false;
    let checking = false;
    let again = false;
    // The output template, once a read found the run still running: a finish message that carries
    // the output's results (store/finish-message.ts) then answers without reading them.
    let output: InputTemplate | null = null;
    // How many times the run had been reopened when a read found it running (0 for the first run).
    let reopened = 0;
    const check = (): void => {
      if (finished) return;
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      this.context.withRedis(() => this.readOutcome()).then(
        (value) => {
          checking = false;
          if (finished) return;
          if ('running' in value) {
            output = value.running;
            reopened = value.reopened;
            if (again) {
              again = false;
              check();
            }
            return;
          }
          finished = true;
          if ('value' in value) settle.resolve(value.value);
          else settle.reject(value.error);
        },
        (error: unknown) => {
          checking = false;
          finished = true;
          settle.reject(error);
        },
      );
    };
    const onMessage = (message: string | null): void => {
      if (finished) return;
      const value = message !== null && output !== null ? valueFromMessage<R>(output, message, reopened) : undefined;
      if (value === undefined) {
        check();
        return;
      }
      finished = true;
      settle.resolve(value.value);
    };
    // Later submits from this process name the waiter channel: their result() costs no round trip.
    this.context.events.openWaiterChannel();
    // The time limit counts from the call, subscribing included (Redis may be unreachable).
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            finished = true;
            settle.reject(new ResultTimeoutError(this.id, timeoutMs));
          }, timeoutMs);
    // Submitted here naming the waiter channel: the finish comes there (or came already), and a
    // read is needed only when it does not carry the value, or may have been lost.
    const expected = this.submitted?.notified ? this.context.events.takeExpected(this.id, onMessage) : null;
    if (expected && this.submitted) {
      output = this.submitted.output;
      if (expected.notice === null) check();
      else if (expected.notice !== undefined) onMessage(expected.notice);
      try {
        return await outcome;
      } finally {
        finished = true;
        if (timer) clearTimeout(timer);
        expected.release();
      }
    }
    // Reading waits for the command connection, so that a Redis that is down fails the call
    // within connectTimeoutMs (the subscription is bounded alike).
    const watching = this.context
      .withRedis(async () => undefined)
      .then(() => this.context.events.watch(this.context.keys.runChannel(this.id), onMessage));
    // Read only once subscribed, so that a finish in between is not missed.
    watching.then(check, (error: unknown) => {
      finished = true;
      settle.reject(error);
    });
    try {
      return await outcome;
    } finally {
      finished = true;
      if (timer) clearTimeout(timer);
      void watching.then((unwatch) => unwatch()).catch(() => undefined);
    }
  }

  /** The run's outcome, or its output template while it is still running. */
  private async readOutcome(): Promise<{ value: R } | { error: Error } | { running: InputTemplate; reopened: number }> {
    const meta = await this.context.runs.meta(this.id);
    if (!meta) return { error: await this.context.runs.missing(this.id) };
    if (!TERMINAL_RUN_STATUSES.has(meta.status)) return { running: meta.output, reopened: meta.reopened };
    if (meta.status === 'succeeded') return { value: await this.value(meta) };
    if (meta.status === 'cancelled') return { error: new WorkflowCancelledError(this.id) };
    return { error: await this.failure(meta) };
  }

  private async value(meta: RunMeta): Promise<R> {
    const nodeIds = templateNodes(meta.output);
    const results = await this.context.runs.results(meta.id, nodeIds);
    // A succeeded run has every result its output reads (a `when`'s branch not taken aside: its
    // nodes were skipped): one missing is damage, never a null.
    const missing =
      results.size === nodeIds.length ? [] : neededNodes(meta.output, (nodeId) => results.get(nodeId)).filter((nodeId) => !results.has(nodeId));
    if (missing.length > 0) {
      const some = missing.slice(0, 5).map((nodeId) => `#${nodeId}`).join(', ');
      throw new RunDamagedError(this.id, `it succeeded but the result of ${missing.length === 1 ? 'node' : `${missing.length} nodes, among them`} ${some} is missing`);
    }
    return fillTemplate(meta.output, (nodeId) => results.get(nodeId)) as R;
  }

  private async failure(meta: RunMeta): Promise<WorkflowFailedError> {
    const nodeId = meta.failedNode ?? '?';
    const { task, errorJson } = await this.context.runs.nodeError(this.id, nodeId);
    const parsed = errorJson ? nodeErrorSchema.safeParse(JSON.parse(errorJson)) : null;
    const error = parsed?.success ? parsed.data : { name: 'Error', message: 'unknown error (none was recorded)' };
    return new WorkflowFailedError(this.id, nodeId, task, error);
  }

  /** How far the run is: its status and how many nodes are in each state (a light read, for progress displays). */
  async progress(): Promise<RunProgress> {
    const progress = await this.context.withRedis(() => this.context.runs.progress(this.id));
    if (!progress) throw await this.context.runs.missing(this.id);
    const { meta, counts } = progress;
    return { ...runHeader(meta), total: meta.nodeCount, counts };
  }

  /**
   * Make the run's failed and cancelled nodes runnable again. Succeeded nodes keep their results
   * and never run again; attempts keep counting (inspect shows the total), but each resumed node
   * gets a fresh retry budget. Does nothing to a run that is running or succeeded, so calling
   * it twice is safe. Works from any process, with workers whose code has changed since.
   * `result()` can be called again afterwards.
   */
  async resume(): Promise<ReopenOutcome> {
    // A finish kept for this handle is of the run before the resume: result() waits for the next.
    this.context.events.unexpect(this.id);
    return this.reopenOutcome(await this.context.withRedis(() => this.context.runs.reopen(this.id, null)));
  }

  /**
   * Reset node `from` and everything downstream of it (their results are dropped), then run
   * them again; the rest keep their results. Failed and cancelled nodes elsewhere become
   * runnable again too, as with resume(), so the run is never left half failed. Works on a run
   * in any state; a running attempt of a reset node is fenced off and its result ignored.
   */
  async rerun(options: { readonly from: string }): Promise<ReopenOutcome> {
    if (typeof options?.from !== 'string' || options.from.length === 0) {
      throw new ConfigError('rerun()', 'options.from must be a node id (inspect() lists them)');
    }
    this.context.events.unexpect(this.id);
    return this.reopenOutcome(await this.context.withRedis(() => this.context.runs.reopen(this.id, options.from)));
  }

  /**
   * Cancel the run: nodes not started yet never start, running handlers see their AbortSignal
   * fire (reason RunCancelledError) and their late results are discarded; result() rejects
   * with WorkflowCancelledError. A run that already finished is left as it is.
   */
  async cancel(): Promise<CancelOutcome> {
    const outcome = await this.context.withRedis(() => this.context.runs.cancel(this.id));
    if ('unchanged' in outcome) return { changed: false, status: outcome.unchanged, cancelledNodes: 0, runningNodes: 0 };
    const meta = await this.context.runs.meta(this.id);
    if (meta?.trace) recordRunSpan(meta, this.context.tracing);
    return { changed: true, status: 'cancelled', cancelledNodes: outcome.cancelled, runningNodes: outcome.running };
  }

  /**
   * Delete the run now: its keys and index entries go, and it reads afterwards as never
   * submitted (RunNotFoundError). Only a finished run, unless `force`; a running one is refused
   * with RunActiveError. Messages of the run still queued are withdrawn, and a worker still
   * running one of its attempts finds its report ignored: nothing writes the run again.
   */
  async delete(options: DeleteOptions = {}): Promise<DeleteOutcome> {
    if (typeof options !== 'object' || options === null || (options.force !== undefined && typeof options.force !== 'boolean')) {
      throw new ConfigError('delete()', 'options.force must be true or false');
    }
    return { status: await this.context.withRedis(() => this.context.runs.delete(this.id, options.force === true)) };
  }

  private reopenOutcome(outcome: { reset: number; enqueued: number; status: RunStatus } | { unchanged: RunStatus }): ReopenOutcome {
    if ('unchanged' in outcome) return { changed: false, status: outcome.unchanged, resetNodes: 0, enqueuedNodes: 0 };
    return { changed: true, status: outcome.status, resetNodes: outcome.reset, enqueuedNodes: outcome.enqueued };
  }

  /**
   * The run and every node, with `results` each node's result too: read in one consistent
   * snapshot for a run of up to 2,000 nodes; a larger run is read in pages of 2,000 node ids, each
   * consistent in itself, so that no read holds Redis long.
   */
  async inspect(options: InspectOptions = {}): Promise<RunInspection> {
    if (typeof options !== 'object' || options === null) throw new ConfigError('inspect()', 'options must be an object');
    if (options.results !== undefined && typeof options.results !== 'boolean') {
      throw new ConfigError('inspect()', 'options.results must be true or false');
    }
    const snapshot = await this.context.withRedis(() => this.context.runs.snapshot(this.id, { results: options.results === true }));
    if (!snapshot) throw await this.context.runs.missing(this.id);
    const { meta, nodes } = snapshot;
    return {
      ...runHeader(meta),
      ...(meta.failedNode !== undefined ? { failedNode: meta.failedNode } : {}),
      ...timeField('expiresAt', meta.expiresAt),
      reopened: meta.reopened,
      nodes: nodes.map(
        (node): NodeInspection =>
          nodeInspectionOf(node.id, node.task, node.next, node.state, node.errorJson, node.resultJson, {
            parent: node.parent,
            expansion: meta.expansions.get(node.id),
            guards: node.guards,
          }),
      ),
    };
  }

  /**
   * One node, read alone (its state, spec and error: never the whole run, so it answers as fast
   * on a 100,000-node run). With `values`, its bound args and, once it succeeded, its result.
   * RunNotFoundError (or RunExpiredError) for an unknown run, NodeNotFoundError for an unknown node.
   */
  async inspectNode(nodeId: string, options: InspectNodeOptions = {}): Promise<NodeDetailInspection> {
    if (typeof nodeId !== 'string' || nodeId.length === 0) throw new ConfigError('inspectNode()', 'the node id must be a non-empty string');
    if (typeof options !== 'object' || options === null || (options.values !== undefined && typeof options.values !== 'boolean')) {
      throw new ConfigError('inspectNode()', 'options.values must be true or false');
    }
    const values = options.values === true;
    const read = await this.context.withRedis(() => this.context.runs.node(this.id, nodeId, values));
    if ('missing' in read) {
      if (read.missing === 'run') throw await this.context.runs.missing(this.id);
      throw new NodeNotFoundError(this.id, nodeId);
    }
    return nodeDetailOf(nodeId, read.node, values);
  }
}
