import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { corpusPipeline, listCorpusFiles } from '../../workflows/corpus/pipeline.js';
import { defineCorpusTasks } from '../../workflows/corpus/tasks.js';
import { redisUrl, useApps } from '../helpers/apps.js';
import { useInMemoryTracing } from '../helpers/tracing.js';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';

const demo = fileURLToPath(new URL('../../workflows/corpus/demo.ts', import.meta.url));
const corpusWorker = fileURLToPath(new URL('../../workflows/corpus/worker.ts', import.meta.url));

// The submitting side of the cross-process test traces in this process.
const exporter = useInMemoryTracing();

function run(script: string, args: readonly string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('traces reach an OTLP/HTTP receiver (as Jaeger on port 4318)', () => {
  const makeApp = useApps();

  it('the example demo with --trace exports one trace: submit, an attempt per node with links at the joins, and the run', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const prefix = makeApp().config.prefix; // a fresh prefix; the demo makes its own app on it
      const demoRun = run(demo, ['--trace'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: prefix, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(await demoRun.exited, demoRun.output()).toBe(0);
      const spans = receiver.spans.filter((span) => span.attributes['celeriac.run.id'] !== undefined);
      const submit = spans.find((span) => span.name === 'submit corpus-word-stats');
      expect(submit?.kind).toBe(SpanKind.PRODUCER + 1); // OTLP kinds are the API's plus one
      const attempts = spans.filter((span) => span.kind === SpanKind.CONSUMER + 1);
      expect(attempts).toHaveLength(35);
      expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([submit!.traceId]));
      expect(attempts.every((span) => span.parentSpanId === submit!.spanId)).toBe(true);
      expect(attempts.filter((span) => span.name === 'corpus.readDocument')).toHaveLength(10);
      const merge = attempts.find((span) => span.name === 'corpus.mergeCounts')!;
      const counts = attempts.filter((span) => span.name === 'corpus.countWords').map((span) => span.spanId);
      expect(merge.links.map((link) => link.spanId).sort()).toEqual([...counts].sort());
      const report = attempts.find((span) => span.name === 'corpus.report')!;
      expect(report.links).toHaveLength(3);
      const runSpan = spans.find((span) => span.name === 'run corpus-word-stats');
      expect(runSpan?.attributes['celeriac.run.status']).toBe('succeeded');
      expect(submit?.serviceName).toBe('celeriac-corpus-demo');
    } finally {
      await receiver.close();
    }
  });

  it("keeps the submitter's trace when the worker is another process", async () => {
    const receiver = await startOtlpReceiver();
    const app = makeApp();
    const tasks = defineCorpusTasks(app);
    const worker = run(corpusWorker, ['--trace'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    try {
      const files = listCorpusFiles().slice(0, 3);
      const submitted = await app.submit(corpusPipeline(tasks, files), { name: 'cross-process' });
      await submitted.result({ timeoutMs: 30_000 });
      worker.child.kill('SIGTERM'); // the worker flushes its spans as it closes
      expect(await worker.exited, worker.output()).toBe(0);
      const submit = exporter.getFinishedSpans().find((span) => span.name === 'submit cross-process')!;
      const fromWorker = receiver.spans.filter((span) => span.attributes['celeriac.run.id'] === submitted.id);
      expect(fromWorker.length).toBe(files.length * 3 + 5 + 1); // attempts, and the run span
      expect(fromWorker.every((span) => span.traceId === submit.spanContext().traceId)).toBe(true);
      expect(fromWorker.filter((span) => span.kind === SpanKind.CONSUMER + 1).every((span) => span.parentSpanId === submit.spanContext().spanId)).toBe(true);
      expect(fromWorker.every((span) => span.serviceName === 'celeriac-corpus-worker')).toBe(true);
    } finally {
      worker.child.kill('SIGKILL');
      await receiver.close();
    }
  });
});
