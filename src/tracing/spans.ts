import {
  type Context,
  INVALID_SPAN_CONTEXT,
  type Link,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { StartedNode } from '../store/node-store.js';
import type { RunMeta } from '../store/run-store.js';
import { ATTRIBUTES, MESSAGING_SYSTEM } from './attributes.js';
import { formatTraceparent, parseStoredTrace, parseTraceparent } from './span-context.js';

/**
 * celeriac's spans, made with nothing but the OpenTelemetry API. With no SDK registered the API
 * hands out non-recording spans: nothing below does more than create and end them, and nothing
 * extra is stored in Redis (no valid span context, so no `trace` field and no node `span`).
 */
/** A provider with no delegate hands out no-op tracers: what `enabled: false` uses. */
const disabled = new ProxyTracerProvider().getTracer('celeriac');
const tracer = (options: TracingOptions) => (options.enabled ? trace.getTracer('celeriac') : disabled);

/** AppOptions.tracing, resolved: on or off, and opt-in recording of values that may hold personal data. */
export interface TracingOptions {
  readonly enabled: boolean;
  readonly recordArgs: boolean;
  readonly recordResults: boolean;
}

/** Longest args/result JSON put in a span when recording is opted in. */
const MAX_VALUE_CHARS = 4096;

function errorDetails(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'NonErrorThrown', message: String(error) };
}

/** The submit span (PRODUCER): a child of the caller's active span, if any, else a new trace. */
export function startSubmitSpan(runId: string, name: string, nodeCount: number, options: TracingOptions): { span: Span; storedTrace: string } {
  const span = tracer(options).startSpan(`submit ${name || 'run'}`, { kind: SpanKind.PRODUCER });
  if (span.isRecording()) {
    span.setAttributes({
      [ATTRIBUTES.runId]: runId,
      [ATTRIBUTES.runName]: name,
      [ATTRIBUTES.runNodeCount]: nodeCount,
      [ATTRIBUTES.messagingSystem]: MESSAGING_SYSTEM,
      [ATTRIBUTES.messagingOperationType]: 'send',
      [ATTRIBUTES.messagingOperationName]: 'submit',
    });
  }
  const spanContext = span.spanContext();
  const traceparent = formatTraceparent(spanContext);
  const tracestate = spanContext.traceState?.serialize();
  const storedTrace = traceparent ? JSON.stringify({ traceparent, ...(tracestate ? { tracestate } : {}), name }) : '';
  return { span, storedTrace };
}

export function endSpanWithError(span: Span, error: unknown): void {
  if (span.isRecording()) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorDetails(error).message });
  }
  span.end();
}

/** The context a run's spans hang from: its submit span (remote), or a new trace. */
function runParent(storedTraceJson: string | undefined): { context: Context; runName: string | null } {
  const stored = parseStoredTrace(storedTraceJson);
  const parent = stored ? parseTraceparent(stored.traceparent, stored.tracestate) : null;
  return { context: parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT, runName: stored?.name ?? null };
}

export interface AttemptSpan {
  readonly span: Span;
  /** The attempt's context: the handler runs in it, so its own spans nest under the attempt. */
  readonly context: Context;
  /** Redis clock minus this process's clock, so that span times agree across machines. */
  readonly clockOffsetMs: number;
}

/** What every attempt gets with tracing off: one shared non-recording span, nothing parsed. */
const DISABLED_ATTEMPT: AttemptSpan = {
  span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
  context: ROOT_CONTEXT,
  clockOffsetMs: 0,
};

/** A CONSUMER span per node attempt, named after the task, linked to the attempts of its inputs. */
export function startAttemptSpan(node: StartedNode, options: TracingOptions, args: () => unknown): AttemptSpan {
  if (!options.enabled) return DISABLED_ATTEMPT;
  const { context: parent, runName } = runParent(node.context.trace);
  const links: Link[] = [];
  for (const traceparent of node.context.links ?? []) {
    const linked = parseTraceparent(traceparent);
    if (linked) links.push({ context: linked });
  }
  const span = tracer(options).startSpan(
    node.spec.task,
    { kind: SpanKind.CONSUMER, startTime: node.context.startedAt, links },
    parent,
  );
  if (span.isRecording()) {
    span.setAttributes({
      [ATTRIBUTES.runId]: node.message.runId,
      ...(runName !== null ? { [ATTRIBUTES.runName]: runName } : {}),
      [ATTRIBUTES.runReopened]: node.context.reopened,
      [ATTRIBUTES.nodeId]: node.message.nodeId,
      [ATTRIBUTES.taskName]: node.spec.task,
      [ATTRIBUTES.attempt]: node.attempt,
      [ATTRIBUTES.queuedMs]: Math.max(0, node.context.startedAt - node.context.queuedAt),
      [ATTRIBUTES.messagingSystem]: MESSAGING_SYSTEM,
      [ATTRIBUTES.messagingOperationType]: 'process',
      [ATTRIBUTES.messagingOperationName]: 'process',
      [ATTRIBUTES.messagingDestinationName]: node.queue,
      [ATTRIBUTES.messagingMessageId]: node.message.raw,
    });
    if (options.recordArgs) span.setAttribute(ATTRIBUTES.args, JSON.stringify(args() ?? null).slice(0, MAX_VALUE_CHARS));
  }
  return { span, context: trace.setSpan(parent, span), clockOffsetMs: node.context.startedAt - Date.now() };
}

/** The attempt's span context as stored with the node (for the links of its dependants). */
export function attemptTraceparent(attempt: AttemptSpan): string {
  return attempt.span.isRecording() ? (formatTraceparent(attempt.span.spanContext()) ?? '') : '';
}

export function endAttemptSpan(
  attempt: AttemptSpan,
  outcome: { readonly ok: true; readonly resultJson: string } | { readonly ok: false; readonly error: unknown; readonly retryDelayMs: number | null },
  options: TracingOptions,
): void {
  const { span } = attempt;
  if (span.isRecording()) {
    if (outcome.ok) {
      if (options.recordResults) span.setAttribute(ATTRIBUTES.result, outcome.resultJson.slice(0, MAX_VALUE_CHARS));
    } else {
      span.recordException(outcome.error instanceof Error ? outcome.error : errorDetails(outcome.error).message);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorDetails(outcome.error).message });
      if (outcome.retryDelayMs !== null) span.setAttribute(ATTRIBUTES.retryDelayMs, outcome.retryDelayMs);
    }
  }
  span.end(Date.now() + attempt.clockOffsetMs);
}

/**
 * One span covering the whole run, from its submit to its finish (both on the Redis clock),
 * recorded by whoever finished it: the worker of its last node, or the canceller.
 */
export function recordRunSpan(meta: RunMeta, options: TracingOptions): void {
  if (!meta.trace || meta.finishedAt === undefined) return;
  const { context: parent, runName } = runParent(meta.trace);
  const span = tracer(options).startSpan(`run ${runName || meta.name || meta.id}`, { kind: SpanKind.INTERNAL, startTime: meta.createdAt }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      [ATTRIBUTES.runId]: meta.id,
      [ATTRIBUTES.runName]: meta.name,
      [ATTRIBUTES.runStatus]: meta.status,
      [ATTRIBUTES.runNodeCount]: meta.nodeCount,
      [ATTRIBUTES.runReopened]: meta.reopened,
      ...(meta.failedNode !== undefined ? { [ATTRIBUTES.runFailedNode]: meta.failedNode } : {}),
    });
    if (meta.status !== 'succeeded') span.setStatus({ code: SpanStatusCode.ERROR, message: `run ${meta.status}` });
  }
  span.end(meta.finishedAt);
}
