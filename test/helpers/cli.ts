import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { App } from '../../src/index.js';
import { redisUrl } from './apps.js';
import { canvasTasks } from './tasks.js';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `celeriac <args>` as a child process (through tsx, as the bin does from source). */
export function celeriac(args: readonly string[], env: NodeJS.ProcessEnv = {}, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    onStart?.(child);
  });
}

/** Run a bash command line (a pipeline, a pasted command), colours off. */
export function shell(command: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An app with the canvas tasks, and the `--redis`/`--prefix` arguments that point the command line at it. */
export function cliApp(app: App): { readonly app: App; readonly at: string[] } & ReturnType<typeof canvasTasks> {
  return { app, at: ['--redis', redisUrl(), '--prefix', app.config.prefix], ...canvasTasks(app) };
}
