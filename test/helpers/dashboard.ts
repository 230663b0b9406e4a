import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { EventJson } from '../../src/dashboard/api-types.js';
import { parseDashboardOptions } from '../../src/dashboard/options.js';
import { type DashboardInternals, makeDashboard } from '../../src/dashboard/server.js';
import type { App, Dashboard, DashboardOptions } from '../../src/index.js';

export interface RunningDashboard {
  /** The dashboard's base URL, ending with "/": `${url}api/runs`. */
  readonly url: string;
  readonly dashboard: Dashboard;
  readonly server: Server;
}

/**
 * Dashboards on real node:http servers (port 0), each closed after the test: the dashboard first
 * (it ends the open event streams), then the server. Register before useApps() so that apps close
 * after the dashboards that read them.
 */
export function useDashboards(): (app: App, options?: DashboardOptions & DashboardInternals) => Promise<RunningDashboard> {
  const running: RunningDashboard[] = [];
  afterEach(async () => {
    for (const { dashboard, server } of running.splice(0)) {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    }
  });
  return async (app, options = {}) => {
    const { clientDirectory, sse, ...dashboardOptions } = options;
    const dashboard = makeDashboard(app, parseDashboardOptions(dashboardOptions), { ...(clientDirectory !== undefined ? { clientDirectory } : {}), ...(sse !== undefined ? { sse } : {}) });
    const server = createServer((req, res) => dashboard.handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const made = { url: `http://127.0.0.1:${port}${(dashboardOptions.basePath ?? '/').replace(/\/?$/, '/')}`, dashboard, server };
    running.push(made);
    return made;
  };
}

/** GET a JSON route: its status and parsed body. */
export async function getJson<T>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** An open SSE response read message by message. */
export class SseReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(
    response: Response,
    private readonly controller: AbortController,
  ) {
    this.reader = response.body!.getReader();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<{ reader: SseReader; response: Response }> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    return { reader: new SseReader(response, controller), response };
  }

  /** The next message with data (comments and retry hints are skipped); null when the stream ended. */
  async next(): Promise<SseMessage | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const message: { id?: string; event?: string; data?: string } = {};
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const field = line.slice(0, colon);
          const value = line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') message.id = value;
          else if (field === 'event') message.event = value;
          else if (field === 'data') message.data = message.data === undefined ? value : `${message.data}\n${value}`;
        }
        if (message.data !== undefined) return { ...message, data: message.data };
        continue;
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /**
   * Celeriac events (unpacked from their batches) until `until` holds for the list so far (the
   * test's timeout fails a stalled stream).
   */
  async events(until: (events: readonly EventJson[]) => boolean): Promise<EventJson[]> {
    const events: EventJson[] = [];
    for (;;) {
      const message = await this.next();
      if (!message) return events;
      if (message.event !== 'celeriac') continue;
      const batch = JSON.parse(message.data) as EventJson[];
      // The contract: a non-empty array whose last event's id is the message's id.
      if (!Array.isArray(batch) || batch.length === 0 || batch.at(-1)!.id !== message.id) throw new Error(`not a batch message: ${message.id} ${message.data}`);
      for (const event of batch) {
        events.push(event);
        if (until(events)) return events;
      }
    }
  }

  close(): void {
    this.controller.abort();
  }
}
