/**
 * Issue 18's HTTP endpoint: a plain node:http server whose every request runs `handle` (submit a
 * 4-node run and wait for its result) and answers with the value as JSON, loaded by autocannon at
 * `connections` connections for `seconds`. autocannon runs as a child process, so that its CPU is
 * not counted as the engine's (the process's CPU is the submitter's and the worker's, as in every
 * other row); it is installed with BullMQ in benchmarks/suite/peers.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const cli = new URL('./peers/node_modules/autocannon/autocannon.js', import.meta.url);

export interface LoadResult {
  readonly requestsPerSecond: number;
  /** Latency percentiles of the answered requests, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests answered with 2xx. */
  readonly answered: number;
  /** Connection errors, timeouts and non-2xx answers: a measurement with any is refused. */
  readonly failed: number;
}

interface AutocannonJson {
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly '2xx': number;
  readonly duration: number;
  readonly latency: { readonly p50: number; readonly p99: number };
}

export async function loadEndpoint(handle: () => Promise<unknown>, connections: number, seconds: number): Promise<LoadResult> {
  if (!existsSync(cli)) throw new Error('autocannon is not installed for the benchmarks: run `npm run bench` (it installs it)');
  const server = createServer((_request, response) => {
    handle().then(
      (value) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(error instanceof Error ? error.message : String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli.pathname, '-c', String(connections), '-d', String(seconds), '-j', `http://127.0.0.1:${port}/`], { maxBuffer: 16 * 1024 * 1024 }, (error, out) =>
        error ? reject(error) : resolve(out),
      ),
    );
    const result = JSON.parse(stdout) as AutocannonJson;
    const failed = result.errors + result.timeouts + result.non2xx;
    if (failed > 0) throw new Error(`the endpoint failed ${failed} request(s) under load (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`);
    return { requestsPerSecond: result['2xx'] / result.duration, p50Ms: result.latency.p50, p99Ms: result.latency.p99, answered: result['2xx'], failed };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
