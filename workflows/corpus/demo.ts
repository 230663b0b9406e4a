/**
 * `npm run demo`: one process that starts a worker, submits the corpus pipeline, waits for its
 * result, and prints the run's DAG (from run.inspect()) and the report. Uses Redis at REDIS_URL
 * or redis://127.0.0.1:6379; when nothing answers there, it starts a private redis-server from
 * the PATH for the length of the demo. Keys go under CELERIAC_PREFIX (default `celeriac-demo`).
 * With `--trace`, the run is traced to OTEL_EXPORTER_OTLP_ENDPOINT (see docs/tracing.md).
 */
import { WorkflowFailedError } from '../../src/index.js';
import { formatDag, formatReport } from './format.js';
import { corpusPipeline, describePipeline, listCorpusFiles } from './pipeline.js';
import { type PrivateRedis, startPrivateRedis } from './private-redis.js';
import { checkRedis, displayUrl, noRedisServerMessage } from './redis-check.js';
import { startTracing, tracingRequested } from '../tracing.js';

const requestedUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The Redis to use: the one asked for if it answers, else a private one (null: neither). */
async function findRedis(): Promise<{ url: string; server: PrivateRedis | null } | null> {
  const check = await checkRedis(requestedUrl);
  if (check.ok) return { url: requestedUrl, server: null };
  const server = await startPrivateRedis();
  if (!server) {
    console.error(noRedisServerMessage(requestedUrl, check.reason));
    return null;
  }
  // Ctrl-C ends the demo at once; the 'exit' handler of startPrivateRedis stops the server.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => process.exit(code));
  console.log(
    `Nothing answers at ${displayUrl(requestedUrl)} (${check.reason}): started a private redis-server at ${server.url} ` +
      `(folder ${server.dir}), stopped when the demo ends.`,
  );
  return { url: server.url, server };
}

async function main(): Promise<number> {
  const files = listCorpusFiles();
  if (files.length === 0) {
    console.error('The corpus folder (workflows/corpus/data) has no .txt files.');
    return 1;
  }
  const redis = await findRedis();
  if (!redis) return 1;
  try {
    return await runDemo(redis.url, files);
  } finally {
    redis.server?.stop();
  }
}

/** Each task of the demo waits this long unless CORPUS_PACE_MS says otherwise: long enough to watch it in the dashboard. */
const DEMO_PACE_MS = '800';

async function runDemo(redisUrl: string, files: string[]): Promise<number> {
  process.env.CORPUS_PACE_MS ??= DEMO_PACE_MS;
  // The app module reads REDIS_URL when it is first imported, so it is imported once that is decided.
  process.env.REDIS_URL = redisUrl;
  const { app, prefix, tasks } = await import('./app.js');
  const stopTracing = tracingRequested() ? await startTracing('celeriac-corpus-demo') : null;
  const worker = app.worker({ concurrency: 8 });
  try {
    await worker.start();
    console.log(`celeriac corpus demo · Redis ${displayUrl(redisUrl)} · prefix "${prefix}" · worker concurrency 8`);
    console.log(`canvas: ${describePipeline(files.length)}`);

    const run = await app.submit(corpusPipeline(tasks, files), { name: 'corpus-word-stats' });
    console.log(`submitted run ${run.id} (${files.length} documents); waiting for the result…`);
    const redisOption = redisUrl === 'redis://127.0.0.1:6379' ? '' : ` --redis ${displayUrl(redisUrl)}`;
    console.log(`watch it live: npm run dashboard -- --prefix ${prefix}${redisOption}, then open http://127.0.0.1:7474/runs/${run.id}`);
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
