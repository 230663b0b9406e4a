/**
 * Who may trigger an action (resume, rerun, cancel, clear). Authority is a bearer token only,
 * never a cookie, so a page on another site cannot borrow a logged-in browser's; the Origin and
 * Sec-Fetch-Site checks refuse cross-site requests even when a token leaked into one.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { HttpError } from './http.js';

export interface GuardSettings {
  readonly token: string | null;
  readonly allowedOrigins: ReadonlySet<string>;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Equal strings, in time that does not depend on where they differ (hashes make the lengths equal). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * The origin the request was sent to, from its Host header: the scheme cannot be known behind a
 * proxy, so both are returned.
 */
function ownOrigins(headers: IncomingHttpHeaders): string[] {
  const host = header(headers, 'host');
  if (!host) return [];
  const lower = host.toLowerCase();
  return [`http://${lower}`, `https://${lower}`];
}

/** Throws the HttpError that refuses the action, or returns when it may go ahead. */
export function checkAction(headers: IncomingHttpHeaders, settings: GuardSettings): void {
  if (settings.token === null) {
    throw new HttpError(403, 'ACTIONS_DISABLED', 'actions are off: start the dashboard with a token (--token or CELERIAC_DASHBOARD_TOKEN) to turn them on');
  }
  if (header(headers, 'sec-fetch-site') === 'cross-site') {
    throw new HttpError(403, 'CROSS_SITE', 'a cross-site request cannot trigger an action');
  }
  const origin = header(headers, 'origin');
  if (origin !== undefined) {
    const allowed = ownOrigins(headers).includes(origin.toLowerCase()) || settings.allowedOrigins.has(origin);
    if (!allowed) throw new HttpError(403, 'FOREIGN_ORIGIN', `requests from origin ${JSON.stringify(origin)} cannot trigger an action (see allowedOrigins)`);
  }
  const authorization = header(headers, 'authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match || !sameSecret(match[1]!, settings.token)) {
    throw new HttpError(401, 'UNAUTHORIZED', 'this action needs the Authorization header "Bearer <token>" with the token the dashboard was started with');
  }
}
