import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import type { DashboardSettings } from './options.js';

/** What every handler gets: the app it reads through, the dashboard's settings, and the request. */
export interface RequestContext {
  readonly app: App;
  readonly settings: DashboardSettings;
  readonly version: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The route's `:name` parts, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

/** A handler answers with a JSON body (sent with status 200), or sends the response itself (SSE). */
export type Handler = (context: RequestContext) => Promise<unknown>;

/** Returned by a handler that wrote the response itself. */
export const RESPONDED: unique symbol = Symbol('responded');
