import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../app.js';
import { createDashboard, type Dashboard } from '../dashboard/server.js';
import { ConfigError } from '../errors/index.js';
import { CliError, EXIT } from './exit-codes.js';

export interface DashboardCommandOptions {
  readonly port: number;
  readonly host: string;
  readonly token?: string;
  readonly showValues?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The token: --token, else CELERIAC_DASHBOARD_TOKEN (which, unlike an argument, `ps` does not show). */
function tokenOf(options: DashboardCommandOptions): string | undefined {
  const token = options.token ?? process.env.CELERIAC_DASHBOARD_TOKEN;
  return token === undefined || token === '' ? undefined : token;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const reason = error.code === 'EADDRINUSE' ? `port ${port} is in use (pick another with --port)` : error.message;
      reject(new CliError(`cannot listen on ${host}:${port}: ${reason}`, EXIT.unavailable));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * `celeriac dashboard`: serve the dashboard until SIGINT/SIGTERM, then end its event streams,
 * stop the server and return (the caller closes the app).
 */
export async function serveDashboard(app: App, options: DashboardCommandOptions, print: (line: string) => void, warn: (line: string) => void): Promise<number> {
  const token = tokenOf(options);
  let dashboard: Dashboard;
  try {
    dashboard = createDashboard(app, { ...(token !== undefined ? { token } : {}), showValues: options.showValues === true });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message.replace('createDashboard(): options.token', 'the token (--token or CELERIAC_DASHBOARD_TOKEN)'), EXIT.usage);
    throw error;
  }
  const server = createServer((req, res) => dashboard.handler(req, res));
  // Listen for the signals before printing the URL: a script that reads it may signal at once.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const address = await listen(server, options.port, options.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    print(`celeriac dashboard: http://${host}:${address.port}/ (prefix ${app.config.prefix})`);
    print(token !== undefined ? 'actions (resume, rerun, cancel, clear dead letters) are on: they need the token' : 'actions are off (start with --token or CELERIAC_DASHBOARD_TOKEN to turn them on)');
    if (!LOOPBACK.has(options.host)) {
      warn(
        token === undefined
          ? `listening on ${options.host}: anyone who can reach this port can read your runs (task names, errors${options.showValues ? ', args and results' : ''}); actions stay off without a token`
          : `listening on ${options.host} over plain HTTP: the token and your runs cross the network in clear; put the dashboard behind HTTPS (a reverse proxy) or reach it through an SSH tunnel`,
      );
    }
    await stopped;
    await dashboard.close();
    // Idle keep-alive connections would hold close() open until they time out.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return EXIT.ok;
}
