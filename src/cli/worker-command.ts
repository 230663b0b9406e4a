import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { App } from '../app.js';
import { RedisEvictionPolicyError, RedisUnavailableError } from '../errors/index.js';
import { shellCommand } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { type ConnectionOptions, redisOptionOf } from './session.js';

export interface WorkerCommandOptions extends ConnectionOptions {
  readonly concurrency?: number;
  readonly queues?: readonly string[];
}

function looksLikeApp(value: unknown): value is App {
  return value instanceof App || (typeof value === 'object' && value !== null && typeof (value as App).worker === 'function' && typeof (value as App).withOptions === 'function');
}

/**
 * How to load a TypeScript module: the same command with tsx preloaded. npx finds a local
 * install's bin (no `which`), and NODE_OPTIONS reaches the node process the bin starts.
 */
export function typeScriptHint(args: readonly string[] = process.argv.slice(2)): string {
  return (
    'A TypeScript module needs a loader. With tsx in the project (npm install --save-dev tsx), run:\n' +
    `  NODE_OPTIONS='--import tsx' npx ${shellCommand(['celeriac', ...args])}\n` +
    'or compile the module to JavaScript first.'
  );
}

/** Import the module and find its app: the default export or a named export `app`. */
export async function loadApp(modulePath: string): Promise<App> {
  const absolute = resolve(modulePath);
  if (!existsSync(absolute)) throw new CliError(`cannot load ${modulePath}: no such file`, EXIT.config);
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const hint = /\.(ts|mts|cts)$/.test(absolute) && reason?.includes('Unknown file extension') ? `\n${typeScriptHint()}` : '';
    throw new CliError(`cannot load ${modulePath}: ${reason}${hint}`, EXIT.config);
  }
  const app = [loaded.default, loaded.app].find(looksLikeApp);
  if (!app) throw new CliError(`${modulePath} exports no celeriac app: export it as default or as \`app\``, EXIT.config);
  return app;
}

/** Exit status after a second signal: the shell's convention, 128 + the signal's number. */
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * `celeriac worker <module>`: run a worker for the module's app until SIGINT or SIGTERM, then
 * close gracefully (attempts in flight finish and report, within the worker's closeTimeoutMs).
 * A second signal exits at once. While Redis does not answer it waits (up to the app's
 * connectTimeoutMs, or --connect-timeout), logging each failed attempt: Redis often starts
 * after its workers.
 */
export async function runWorkerCommand(modulePath: string, options: WorkerCommandOptions, log: (line: string) => void): Promise<number> {
  let app = await loadApp(modulePath);
  if (options.redis !== undefined || options.cluster !== undefined || options.prefix !== undefined || options.tlsCa !== undefined || options.connectTimeout !== undefined) {
    app = app.withOptions({
      ...(options.redis !== undefined || options.cluster !== undefined || options.tlsCa !== undefined ? { redis: redisOptionOf(options) } : {}),
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      ...(options.connectTimeout !== undefined ? { connectTimeoutMs: options.connectTimeout } : {}),
    });
  }
  // The app's own settings (credentials, TLS) unless the command line replaced them.
  const worker = app.worker({
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.queues !== undefined ? { queues: options.queues } : {}),
    onError: (error) => {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RedisEvictionPolicyError) log(`WARNING: ${message}`);
      else log(`error: ${message}`);
    },
  });
  log(`connecting to Redis (waiting up to ${app.config.connectTimeoutMs} ms)…`);
  try {
    await worker.start();
  } catch (error) {
    await app.close();
    if (error instanceof RedisUnavailableError) throw new CliError(`cannot reach Redis: ${error.message}`, EXIT.unavailable);
    // A refused password or a certificate that fails verification: no retry would help.
    throw new CliError(`cannot connect to Redis: ${error instanceof Error ? error.message : String(error)}`, EXIT.unavailable);
  }
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // Attempts still running are left to their leases: another worker takes them over.
        log(`${signal} again: exiting without waiting`);
        process.exit(SIGNAL_EXIT[signal] ?? EXIT.software);
      }
      stopping = true;
      log(`${signal}: finishing the attempts in flight…`);
      app.close().then(
        () => {
          log('worker closed');
          done(EXIT.ok);
        },
        (error: unknown) => {
          log(`error while closing: ${error instanceof Error ? error.message : String(error)}`);
          done(EXIT.software);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Only now: whoever waits for this line may signal at once.
    log(`worker started: prefix "${app.config.prefix}", queues ${(options.queues ?? ['default']).join(', ')}, pid ${process.pid}`);
  });
}
