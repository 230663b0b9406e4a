import { type SpanContext, TraceFlags, createTraceState, isSpanContextValid } from '@opentelemetry/api';

/**
 * A span context as stored in Redis: the W3C `traceparent` (and `tracestate`) strings. Written
 * here rather than through the global propagator, so that the run's trace survives whatever
 * propagators the user's SDK registers.
 */
export function formatTraceparent(spanContext: SpanContext): string | null {
  if (!isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function parseTraceparent(traceparent: string, tracestate?: string): SpanContext | null {
  const match = TRACEPARENT.exec(traceparent);
  if (!match) return null;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
    ...(tracestate ? { traceState: createTraceState(tracestate) } : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : null;
}

/** What submit stores in the run's meta (`trace`): the submit span and the run's name. */
export interface StoredTrace {
  readonly traceparent: string;
  readonly tracestate?: string;
  readonly name: string;
}

export function parseStoredTrace(json: string | undefined): StoredTrace | null {
  if (!json) return null;
  try {
    const parsed = JSON.parse(json) as Partial<StoredTrace>;
    return typeof parsed.traceparent === 'string' ? { traceparent: parsed.traceparent, name: String(parsed.name ?? ''), ...(parsed.tracestate ? { tracestate: parsed.tracestate } : {}) } : null;
  } catch {
    return null;
  }
}
