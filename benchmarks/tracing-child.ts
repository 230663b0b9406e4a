/**
 * One measurement for benchmarks/tracing.ts, in a process of its own (an SDK registration is
 * global): MODE=off (tracing disabled), api (enabled, no SDK registered), sdk (enabled, the
 * Node SDK's tracer provider with a batch processor and an exporter that drops the spans, so
 * the figure is the cost of making and processing spans, not of shipping them).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { BatchSpanProcessor, NodeTracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { chain, createApp, group } from '../src/index.js';

const mode = process.env.MODE ?? 'api';
const url = process.env.REDIS_URL ?? '';
const width = Number(process.env.WIDTH ?? 5000);
const hops = Number(process.env.HOPS ?? 500);

let provider: NodeTracerProvider | null = null;
let exported = 0;
if (mode === 'sdk') {
  const discard: SpanExporter = {
    export: (spans: ReadableSpan[], done) => {
      exported += spans.length;
      done({ code: 0 });
    },
    shutdown: async () => undefined,
  };
  provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard, { maxQueueSize: 100_000 })] });
  provider.register();
}

const app = createApp({ redis: url, prefix: `bench-tracing-${randomUUID()}`, tracing: { enabled: mode !== 'off' } });
const noop = app.task({ name: 'noop' }, async (value: number) => value);
const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
const step = app.task({ name: 'step' }, async (value: number) => value + 1);
await app.worker({ concurrency: 50 }).start();

let started = performance.now();
await (await app.submit(chain(group(Array.from({ length: width }, (_, index) => noop.si(index))), sum.s()))).result();
const fanOutRate = (width + 1) / ((performance.now() - started) / 1000);
started = performance.now();
await (await app.submit(chain(step.si(0), ...Array.from({ length: hops - 1 }, () => step.s())))).result();
const hopMicros = ((performance.now() - started) * 1000) / hops;

await app.close();
await provider?.forceFlush();
await provider?.shutdown();
process.stdout.write(`${JSON.stringify({ mode, fanOutRate, hopMicros, spansExported: exported })}\n`);
