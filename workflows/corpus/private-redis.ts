import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRedis } from './redis-check.js';

/** A redis-server this process started, in a temporary folder, on a free loopback port. */
export interface PrivateRedis {
  readonly url: string;
  readonly dir: string;
  /** Stop the server and remove its folder; safe to call more than once, and from an 'exit' handler. */
  stop(): void;
}

/** A free TCP port on loopback (asked of the OS, then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start `redis-server` from the PATH with no persistence, and wait until it answers. Returns null
 * when there is no such binary; throws when it exists but does not come up.
 */
export async function startPrivateRedis(readyWithinMs = 10_000): Promise<PrivateRedis | null> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-demo-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const stop = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    child = null;
    rmSync(dir, { recursive: true, force: true });
  };
  const started = child;
  const spawned = await new Promise<boolean>((resolve, reject) => {
    started.once('spawn', () => resolve(true));
    started.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(false) : reject(error)));
  }).catch((error: unknown) => {
    stop();
    throw error;
  });
  if (!spawned) {
    stop();
    return null;
  }
  // Also stopped when the demo ends by an error or process.exit(), not only by its own finally.
  process.once('exit', stop);
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (started.exitCode !== null) {
      stop();
      throw new Error(`redis-server exited with code ${started.exitCode} before answering on port ${port}`);
    }
    if ((await checkRedis(url, 500)).ok) return { url, dir, stop };
    if (Date.now() > deadline) {
      stop();
      throw new Error(`redis-server did not answer on port ${port} within ${readyWithinMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
