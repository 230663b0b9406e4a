/**
 * The dashboard's HTTP server as a request handler: the JSON API of api-types.ts, the event
 * stream (SSE) and the built client. It reads everything through the app and keeps no state of
 * its own but the open event streams and their shared reader's ring of recent events (a cache),
 * so any number of them can serve one Redis.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import type { DashboardConfig } from './api-types.js';
import { RESPONDED, type RequestContext } from './context.js';
import { cancelRun, clearDeadLetters, rerunRun, resumeRun } from './handlers/actions.js';
import { nodeDetail } from './handlers/node-detail.js';
import { deadLettersPage, queuesPage, workersPage } from './handlers/operations.js';
import { listRuns, runView } from './handlers/runs.js';
import { HttpError, sendJson, setSecurityHeaders, toApiError } from './http.js';
import { type DashboardOptions, type DashboardSettings, parseDashboardOptions } from './options.js';
import { Router } from './router.js';
import { eventsHandler, type SseOptions, SseStreams } from './sse.js';
import { defaultClientDirectory, StaticFiles } from './static-files.js';

/** A dashboard: mount `handler` in a node:http server (or Express, Fastify, Hono through their raw req/res). */
export interface Dashboard {
  /** Answers one request. Requests outside the base path get 404. */
  handler(req: IncomingMessage, res: ServerResponse): void;
  /** Ends the open event streams (their pages reconnect elsewhere). The app is not closed. */
  close(): Promise<void>;
}

/** Paths of the client's own pages: GETs of them that accept HTML get index.html. */
function acceptsHtml(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('text/html');
}

/** The package's version: package.json is two levels up from src/dashboard/ and dist/dashboard/ alike. */
function packageVersion(): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function makeRouter(settings: DashboardSettings, streams: SseStreams): Router {
  const config = async ({ app, version }: RequestContext): Promise<DashboardConfig> => ({
    actions: settings.token !== null,
    showValues: settings.showValues,
    prefix: app.config.prefix,
    version,
  });
  return new Router()
    .get('api/config', config)
    .get('api/runs', listRuns)
    .get('api/runs/:id/view', runView)
    .get('api/runs/:id/nodes/:node', nodeDetail)
    .get('api/queues', queuesPage)
    .get('api/workers', workersPage)
    .get('api/dead-letters', deadLettersPage)
    .get('api/events', eventsHandler(streams))
    .post('api/runs/:id/resume', resumeRun)
    .post('api/runs/:id/rerun', rerunRun)
    .post('api/runs/:id/cancel', cancelRun)
    .post('api/dead-letters/clear', clearDeadLetters);
}

/** Internal options, for tests: where the built client is, the event streams' limits. */
export interface DashboardInternals {
  readonly clientDirectory?: string;
  readonly sse?: SseOptions;
}

/**
 * The dashboard for `app`: runs, each run's DAG live, queues, workers and dead letters, and (with
 * a token) the actions to resume, rerun and cancel. See docs/dashboard.md.
 */
export function createDashboard(app: App, options?: DashboardOptions): Dashboard {
  const settings = parseDashboardOptions(options);
  return makeDashboard(app, settings, {});
}

/** @internal createDashboard with a client folder of the caller's choosing (tests). */
export function makeDashboard(app: App, settings: DashboardSettings, internals: DashboardInternals): Dashboard {
  const streams = new SseStreams(app, internals.sse);
  const router = makeRouter(settings, streams);
  const files = new StaticFiles(internals.clientDirectory ?? defaultClientDirectory(), settings.basePath);
  const version = packageVersion();

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const base = settings.basePath;
    // The base path without its trailing slash is the same page.
    const path = url.pathname === base.slice(0, -1) ? base : url.pathname;
    if (!path.startsWith(base)) throw new HttpError(404, 'NOT_FOUND', `nothing here: the dashboard is under ${base}`);
    const rest = path.slice(base.length);
    let segments: string[];
    try {
      segments = rest.split('/').map((segment) => decodeURIComponent(segment));
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the path is not valid percent-encoding');
    }
    const match = router.match(method, segments);
    if (match) {
      const context: RequestContext = { app, settings, version, req, res, url, params: match.params };
      const body = await match.handler(context);
      if (body !== RESPONDED) sendJson(res, 200, body);
      return;
    }
    if (segments[0] === 'api') throw new HttpError(404, 'NOT_FOUND', `no API route ${method} /${rest}`);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'the pages are read with GET');
    const head = method === 'HEAD';
    if (rest === '') return files.index(res, head);
    if (segments.length === 1 && (await files.file(res, segments[0]!, head))) return;
    // A client route (/runs/:id, /queues, …): the client draws it.
    if (acceptsHtml(req)) return files.index(res, head);
    throw new HttpError(404, 'NOT_FOUND', `no file /${rest}`);
  };

  return {
    handler(req, res) {
      setSecurityHeaders(res);
      serve(req, res).catch((error: unknown) => {
        const { status, body } = toApiError(error);
        // The page gets a generic message for an unexpected error; the operator gets the error.
        if (body.error.code === 'INTERNAL') console.error('celeriac dashboard:', error);
        if (res.headersSent) {
          res.end();
          return;
        }
        sendJson(res, status, body);
      });
    },
    close: () => streams.close(),
  };
}
