import type { Handler } from './context.js';
import { HttpError } from './http.js';

interface Route {
  readonly method: 'GET' | 'POST';
  readonly parts: readonly string[];
  readonly handler: Handler;
}

export interface Match {
  readonly handler: Handler;
  readonly params: Record<string, string>;
}

/** Routes by method and path pattern ('api/runs/:id/view'); `:name` parts match one path segment. */
export class Router {
  private readonly routes: Route[] = [];

  get(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'GET', parts: pattern.split('/'), handler });
    return this;
  }

  post(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'POST', parts: pattern.split('/'), handler });
    return this;
  }

  /** The route for this method and path (segments already split and decoded); HttpError 405 when only the method is wrong; null when none. */
  match(method: string, segments: readonly string[]): Match | null {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${allowed.join(' or ')} here`);
    return null;
  }
}

function matchParts(parts: readonly string[], segments: readonly string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const segment = segments[i]!;
    if (part.startsWith(':')) {
      if (segment === '') return null;
      params[part.slice(1)] = segment;
    } else if (part !== segment) {
      return null;
    }
  }
  return params;
}
