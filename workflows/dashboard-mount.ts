/**
 * The dashboard mounted in your own HTTP server: a plain node:http server whose app routes live
 * beside the dashboard under /celeriac. The same `dashboard.handler(req, res)` mounts in Express
 * (`app.use('/celeriac', (req, res) => { req.url = req.originalUrl; dashboard.handler(req, res); })`:
 * Express strips the mount path from req.url, the dashboard wants it), Fastify (`reply.hijack()`,
 * then the raw req/res) or Hono on @hono/node-server (the raw `incoming` and `outgoing`). Run: npx tsx workflows/dashboard-mount.ts   (REDIS_URL, PORT and
 * CELERIAC_DASHBOARD_TOKEN are read from the environment), then open http://127.0.0.1:3000/celeriac/
 * and POST http://127.0.0.1:3000/sum to submit a run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { chain, createApp, createDashboard, group } from '../src/index.js';

export interface MountedExample {
  /** The server's base URL, e.g. http://127.0.0.1:3000 */
  readonly url: string;
  close(): Promise<void>;
}

export async function startExample(options: { redis?: string; prefix?: string; port?: number; token?: string } = {}): Promise<MountedExample> {
  const app = createApp({
    ...(options.redis !== undefined ? { redis: options.redis } : {}),
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
  });
  const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
  const total = app.task({ name: 'total' }, async (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0));
  // A worker in the same process keeps the example to one command; production runs them apart.
  await app.worker({ concurrency: 4 }).start();

  // Mounted under /celeriac: the dashboard answers only below it and builds its links with it.
  const dashboard = createDashboard(app, {
    basePath: '/celeriac',
    ...(options.token !== undefined ? { token: options.token } : {}),
  });

  const appRoutes = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'POST' && req.url === '/sum') {
      const run = await app.submit(chain(add.si(1, 2), group(Array.from({ length: 20 }, (_, k) => add.s(k))), total.s()), { name: 'sum' });
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ runId: run.id, dashboard: `/celeriac/runs/${run.id}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('my app; the dashboard is at /celeriac/\n');
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/celeriac' || path.startsWith('/celeriac/')) {
      dashboard.handler(req, res);
      return;
    }
    appRoutes(req, res).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      // The dashboard first: it ends its open event streams, which would keep the server open.
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
    },
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const example = await startExample({
    ...(process.env.REDIS_URL ? { redis: process.env.REDIS_URL } : {}),
    port: Number(process.env.PORT ?? 3000),
    ...(process.env.CELERIAC_DASHBOARD_TOKEN ? { token: process.env.CELERIAC_DASHBOARD_TOKEN } : {}),
  });
  console.log(`app at ${example.url}/, dashboard at ${example.url}/celeriac/ (POST ${example.url}/sum submits a run; Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await example.close();
}
