import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { App } from '../app.js';
import { shellCommand } from './args.js';
import { CliError, EXIT } from './exit-codes.js';
import { type ConnectionOptions, ensureReachable, redisOptionOf } from './session.js';

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

/**
 * `celeriac worker <module>`: run a worker for the module's app until SIGINT or SIGTERM, then
 * close gracefully (attempts in flight finish and report). A second signal exits at once.
 */
export async function runWorkerCommand(modulePath: string, options: WorkerCommandOptions, log: (line: string) => void): Promise<number> {
  let app = await loadApp(modulePath);
  if (options.redis !== undefined || options.prefix !== undefined || options.tlsCa !== undefined) {
    app = app.withOptions({
      ...(options.redis !== undefined || options.tlsCa !== undefined ? { redis: redisOptionOf(options) } : {}),
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
    });
  }
  // The app's own settings (credentials, TLS) unless the command line replaced them.
  await ensureReachable(app.config.redis);
  const worker = app.worker({
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.queues !== undefined ? { queues: options.queues } : {}),
  });
  await worker.start();
  log(`worker started: prefix "${app.config.prefix}", queues ${(options.queues ?? ['default']).join(', ')}, pid ${process.pid}`);
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        log(`${signal} again: exiting without waiting`);
        done(EXIT.software);
        return;
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
  });
}
