import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';

/** A free TCP port on loopback (asked of the OS, then released). */
export async function freePort(): Promise<number> {
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

export interface RedisServerOptions {
  /** Password of the default user (requirepass); the readiness check authenticates with it. */
  readonly password?: string;
  /**
   * Serve TLS only: `port` is the TLS port and plain TCP is off (--port 0). Clients need not
   * present a certificate. Files in PEM, e.g. from makeCertificates() (tls.ts).
   */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
}

export interface RedisServer {
  readonly port: number;
  /** redis://127.0.0.1:<port>, or rediss:// with `tls`; never with the password. */
  readonly url: string;
  /** SIGKILL the server (data since the last save is lost unless AOF is on). */
  kill(): Promise<void>;
  /** Start it again on the same port and directory. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT the server: stopped, it still accepts TCP connections but never answers. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

async function waitForPing(port: number, connection: RedisOptions = {}): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const client = new Redis({ ...connection, port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      client.disconnect();
      return;
    } catch {
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  throw new Error(`redis-server on port ${port} did not answer`);
}

/** Start a private redis-server on a free port in a temp dir. */
export async function startRedisServer(extraArgs: readonly string[] = [], options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-redis-'));
  let child: ChildProcess | null = null;
  const { tls, password } = options;
  const listen = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile,
       '--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', 'no']
    : ['--port', String(port)];
  const ping: RedisOptions = {
    ...(password !== undefined ? { password } : {}),
    ...(tls ? { tls: { ca: readFileSync(tls.caFile) } } : {}),
  };

  const launch = async (): Promise<void> => {
    const args = [
      ...listen,
      ...(password !== undefined ? ['--requirepass', password] : []),
      '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...extraArgs,
    ];
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    child = started;
    await new Promise<void>((resolve, reject) => {
      started.once('error', reject);
      started.once('spawn', () => resolve());
    });
    await waitForPing(port, ping);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill(signal);
      // A stopped server would not act on SIGTERM until continued.
      running.kill('SIGCONT');
    });
  };

  await launch();
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    kill: () => halt('SIGKILL'),
    restart: launch,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    stop: async () => {
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
