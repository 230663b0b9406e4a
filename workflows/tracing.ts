/**
 * Tracing for the example programs: with `--trace` (or CELERIAC_TRACE=1) they start the
 * OpenTelemetry Node SDK with the OTLP/HTTP trace exporter, which sends to
 * OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318, Jaeger's OTLP/HTTP port).
 * The SDK and exporter are devDependencies, loaded only when tracing is asked for: celeriac
 * itself uses nothing but @opentelemetry/api.
 */
export function tracingRequested(): boolean {
  return process.argv.includes('--trace') || process.env.CELERIAC_TRACE === '1';
}

/** Start the SDK; the returned function flushes the spans and stops it. */
export async function startTracing(serviceName: string): Promise<() => Promise<void>> {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [],
    // No cloud or host probes: this machine may have no network beyond the collector.
    resourceDetectors: [],
  });
  sdk.start();
  return () => sdk.shutdown();
}
