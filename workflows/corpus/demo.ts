/**
 * `npm run demo`: one process that starts a worker, submits the corpus pipeline, waits for its
 * result, and prints the run's DAG (from run.inspect()) and the report. Needs Redis at REDIS_URL
 * or redis://127.0.0.1:6379; keys go under CELERIAC_PREFIX (default `celeriac-demo`).
 * With `--trace`, the run is traced to OTEL_EXPORTER_OTLP_ENDPOINT (see docs/tracing.md).
 */
import { WorkflowFailedError } from '../../src/index.js';
import { app, prefix, redisUrl, tasks } from './app.js';
import { formatDag, formatReport } from './format.js';
import { corpusPipeline, describePipeline, listCorpusFiles } from './pipeline.js';
import { displayUrl, preflight } from './redis-check.js';
import { startTracing, tracingRequested } from '../tracing.js';

async function main(): Promise<number> {
  const files = await preflight(redisUrl, listCorpusFiles);
  if (!files) return 1;
  const stopTracing = tracingRequested() ? await startTracing('celeriac-corpus-demo') : null;

  const worker = app.worker({ concurrency: 8 });
  try {
    await worker.start();
    console.log(`celeriac corpus demo · Redis ${displayUrl(redisUrl)} · prefix "${prefix}" · worker concurrency 8`);
    console.log(`canvas: ${describePipeline(files.length)}`);

    const run = await app.submit(corpusPipeline(tasks, files), { name: 'corpus-word-stats' });
    console.log(`submitted run ${run.id} (${files.length} documents); waiting for the result…`);
    try {
      const report = await run.result({ timeoutMs: 60_000 });
      console.log(`\n${formatDag(await run.inspect())}\n`);
      console.log(formatReport(report));
      return 0;
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      // The DAG shows which node failed and what never ran because of it.
      console.error(`\n${error.message}\n`);
      console.error(formatDag(await run.inspect()));
      return 1;
    }
  } finally {
    await worker.close();
    await app.close();
    await stopTracing?.(); // flushes the spans to the collector
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('The corpus demo failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  },
);
