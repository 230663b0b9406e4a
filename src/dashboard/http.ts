import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CeleriacError,
  ConfigError,
  NodeNotFoundError,
  RedisUnavailableError,
  RunExpiredError,
  RunNotFoundError,
} from '../errors/index.js';
import type { ApiError } from './api-types.js';

/** A request the dashboard answers with an ApiError: its status, a stable code and a message for people. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A query or body parameter that is wrong, named. */
export function badRequest(parameter: string, problem: string): HttpError {
  return new HttpError(400, 'BAD_REQUEST', `${parameter}: ${problem}`);
}

// 'unsafe-inline' for styles only: the graph library positions boxes with style attributes.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Headers every answer carries, whatever it is. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  // Data from Redis changes from one read to the next; nothing here may be cached.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** The status and ApiError body for whatever a handler threw. */
export function toApiError(error: unknown): { status: number; body: ApiError } {
  const body = (code: string, message: string): ApiError => ({ error: { code, message } });
  if (error instanceof HttpError) return { status: error.status, body: body(error.code, error.message) };
  if (error instanceof RunNotFoundError || error instanceof NodeNotFoundError) return { status: 404, body: body(error.code, error.message) };
  // Gone for good (retention): 404 as an unknown run, told apart by its code.
  if (error instanceof RunExpiredError) return { status: 404, body: body(error.code, error.message) };
  if (error instanceof RedisUnavailableError) return { status: 503, body: body(error.code, error.message) };
  if (error instanceof ConfigError) return { status: 400, body: body(error.code, error.message) };
  if (error instanceof CeleriacError) return { status: 500, body: body(error.code, error.message) };
  // An unexpected error's message may say more than a page should (paths, internals).
  return { status: 500, body: body('INTERNAL', 'the dashboard failed to answer this request (see the server log)') };
}

/** A request body of at most `limit` bytes, parsed as JSON ({} when empty). */
export async function readJsonBody(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new HttpError(413, 'BODY_TOO_LARGE', `the request body is over ${limit} bytes`);
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the request body is not JSON');
  }
}
