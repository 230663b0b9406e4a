/**
 * A standalone worker for the corpus app: `npx tsx workflows/corpus/worker.ts`. Runs until
 * SIGINT or SIGTERM, then finishes the attempts in flight and disconnects. With `--trace`, its
 * attempts are traced to OTEL_EXPORTER_OTLP_ENDPOINT (see docs/tracing.md).
 */
import { app, prefix, redisUrl } from './app.js';
import { checkRedis, displayUrl, redisMissingMessage } from './redis-check.js';
import { startTracing, tracingRequested } from '../tracing.js';

async function main(): Promise<void> {
  const redis = await checkRedis(redisUrl);
  if (!redis.ok) {
    console.error(redisMissingMessage(redisUrl, redis.reason));
    process.exitCode = 1;
    await app.close();
    return;
  }
  const stopTracing = tracingRequested() ? await startTracing('celeriac-corpus-worker') : null;
  const worker = app.worker({ concurrency: 8 });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      console.log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: finishing the attempts in flight, then exiting…`);
    app
      .close()
      .then(() => stopTracing?.())
      .then(
      () => console.log('worker closed'),
      (error: unknown) => {
        console.error('closing the worker failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await worker.start();
  console.log(
    `corpus worker ${process.pid} consuming queue "default" · Redis ${displayUrl(redisUrl)} · prefix "${prefix}" · ` +
      `concurrency 8 (Ctrl-C to stop)`,
  );
}

main().catch((error: unknown) => {
  console.error('The corpus worker failed:', error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
  void app.close();
});
