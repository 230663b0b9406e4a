import { context as otelContext } from '@opentelemetry/api';
import type { TaskDefinition } from '../canvas/task.js';
import type { AppConfig } from '../config.js';
import { LeaseLostError, RunCancelledError } from '../errors/index.js';
import type { NodeStore, StartedNode } from '../store/node-store.js';
import type { RunStore } from '../store/run-store.js';
import { attemptTraceparent, endAttemptSpan, recordRunSpan, startAttemptSpan } from '../tracing/spans.js';
import { runAttempt } from './attempt.js';
import { type MapOutcome, runMapAttempt } from './map-attempt.js';
import { planReplacement } from './replacement.js';
import type { AnyCanvas } from '../canvas/canvas.js';
import { MAP_TASK, NO_ERROR_TASK } from '../graph/spec.js';
import { AttemptAbort } from './attempt-abort.js';
import type { CompletionBatcher } from './completion-batcher.js';
import { serializeError } from './errors-json.js';
import type { AttemptOutcomeKind, WorkerEvent } from './events.js';
import type { Execution } from './lease-heartbeat.js';
import { NO_RETRY, retryDelay } from './retry.js';
import type { ThroughputTally } from './throughput-tally.js';

/** What an onError's NO_ERROR_TASK node gives (truthy: its branch, the error node and the callback, is skipped). */
const NO_ERROR = { ok: true, resultJson: 'true' } as const;

export interface AttemptRunnerOptions {
  readonly config: AppConfig;
  readonly lookup: (task: string) => TaskDefinition | undefined;
  readonly nodes: NodeStore;
  readonly runs: RunStore;
  readonly completions: CompletionBatcher;
  readonly tally: ThroughputTally;
  /** The attempts running in the worker (one of them is the one being run). */
  readonly executions: ReadonlySet<Execution>;
  /** The worker still runs: a completion then offers its slot for the next node. */
  readonly running: () => boolean;
  readonly recordProgress: (node: StartedNode, progressJson: string) => Promise<boolean>;
  readonly onEvent: ((event: WorkerEvent) => void) | undefined;
  readonly onError: (error: unknown) => void;
}

/**
 * One attempt in a worker's slot, from its handler to its report: the span, the handler
 * (runAttempt), then the completion (CompletionBatcher) or the failure (fail-node, with the
 * retry delay), the throughput tally, the worker's events, and the run's span when this attempt
 * finished a traced run.
 */
export class AttemptRunner {
  constructor(private readonly options: AttemptRunnerOptions) {}

  /** Run one attempt and report it; returns the node complete-nodes handed this slot next, if any. */
  async execute(node: StartedNode, execution: Execution): Promise<StartedNode | null> {
    const { config, nodes, completions, tally, onEvent } = this.options;
    const abort = new AttemptAbort();
    execution.node = node;
    execution.abort = abort;
    const tracing = config.tracing;
    const attemptSpan = startAttemptSpan(node, tracing, () => node.spec.args);
    try {
      const definition = this.options.lookup(node.spec.task);
      const attemptOptions = { maxPayloadBytes: config.maxPayloadBytes, abort, recordProgress: this.options.recordProgress };
      const ran =
        node.spec.task === MAP_TASK
          ? runMapAttempt(node, config.maxMapLength)
          : node.spec.task === NO_ERROR_TASK
            ? NO_ERROR
            : tracing.enabled
            ? await otelContext.with(attemptSpan.context, () => runAttempt(node, definition, attemptOptions))
            : await runAttempt(node, definition, attemptOptions);
      const outcome: MapOutcome = ran.ok === 'replace' ? await this.replacement(node, ran.canvas) : ran;
      if (outcome.ok === 'expand') {
        const expanded = await nodes.expand(node, outcome.plan, outcome.items, attemptTraceparent(attemptSpan));
        endAttemptSpan(attemptSpan, { ok: true, resultJson: '' }, tracing);
        if (expanded.kind === 'expanded') tally.succeeded(node.queue);
        if (onEvent) this.attemptEnded(node, expanded.kind === 'expanded' ? 'completed' : expanded.kind === 'cancelled' ? 'discarded' : 'stale');
        return null;
      }
      if (outcome.ok) {
        // Alone: this slot's attempt is the only one running here (a chain's step).
        const alone = this.options.executions.size === 1;
        const report = await completions.complete(node, outcome.resultJson, attemptTraceparent(attemptSpan), this.options.running(), alone);
        endAttemptSpan(attemptSpan, outcome, tracing);
        if (report.kind === 'completed') tally.succeeded(node.queue);
        if (onEvent) this.attemptEnded(node, report.kind);
        if (report.runFinished && node.context.trace) await this.recordRunSpan(node.message.runId);
        return report.next;
      }
      // Lease expiries (a lost worker) do not use up retries, and a resume gives a fresh budget.
      const failedAttempts = node.attempt - node.attemptOffset - node.leaseExpiries;
      const delay = retryDelay(definition?.retry ?? NO_RETRY, failedAttempts, outcome.error);
      endAttemptSpan(attemptSpan, { ok: false, error: outcome.error, retryDelayMs: delay }, tracing);
      // Another worker owns the node now: this attempt has nothing to report.
      if (outcome.error instanceof LeaseLostError) {
        if (onEvent) this.attemptEnded(node, 'lease-lost', outcome.error);
        return null;
      }
      const failed = await nodes.fail(node, serializeError(outcome.error), delay);
      // Failed attempts, retried or not; not those fenced off or ended by a cancellation.
      if (failed === 'retrying' || failed === 'failed' || failed === 'run-failed') tally.failed(node.queue);
      // Aborted because its run was cancelled, and reported after a resume had already reset the
      // node: fenced off, but what ended it was the cancellation.
      const reported = failed === 'stale' && outcome.error instanceof RunCancelledError ? 'cancelled' : failed;
      if (onEvent) this.attemptEnded(node, reported, outcome.error);
      if (failed === 'run-failed' && node.context.trace) await this.recordRunSpan(node.message.runId);
      // Its failure fired the error callbacks guarding it: they are released now (or, if this
      // process dies first, by the repair sweep).
      if ((failed === 'failed' || failed === 'run-failed') && node.spec.guards) {
        await this.options.runs.releaseErrbacks(node.message.runId).catch((error: unknown) => this.options.onError(error));
      }
      return null;
    } finally {
      execution.node = null;
      execution.abort = null;
    }
  }

  /** A handler's replace(canvas), planned for expand-node (no item: one copy), or the error that refuses it. */
  private async replacement(node: StartedNode, canvas: AnyCanvas): Promise<MapOutcome> {
    const { config, lookup, nodes } = this.options;
    try {
      const plan = await planReplacement(canvas, node, nodes, {
        lookup,
        maxPayloadBytes: config.maxPayloadBytes,
        maxCanvasNodes: config.maxCanvasNodes,
        maxCanvasBytes: config.maxCanvasBytes,
      });
      return { ok: 'expand', plan, items: [] };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private attemptEnded(node: StartedNode, outcome: AttemptOutcomeKind, error?: unknown): void {
    const { runId, nodeId } = node.message;
    this.emit({ type: 'attempt', runId, nodeId, task: node.spec.task, attempt: node.attempt, outcome, ...(error !== undefined ? { error } : {}) });
  }

  private emit(event: WorkerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.options.onError(error);
    }
  }

  /** This worker finished a traced run: record the span covering the whole run. */
  private async recordRunSpan(runId: string): Promise<void> {
    const meta = await this.options.runs.meta(runId);
    if (meta) recordRunSpan(meta, this.options.config.tracing);
  }
}
