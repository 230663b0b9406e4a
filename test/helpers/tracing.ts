import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { afterAll } from 'vitest';

/**
 * Register an OpenTelemetry SDK that keeps finished spans in memory, for the calling test file
 * (each test file runs in its own process, so the global registration stays in that file).
 */
export function useInMemoryTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
  });
  return exporter;
}
