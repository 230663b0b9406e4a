import { describe, expect, it } from 'vitest';
import { cutJson } from '../../src/dashboard/handlers/node-detail.js';
import { HttpError, toApiError } from '../../src/dashboard/http.js';
import { Router } from '../../src/dashboard/router.js';
import { NodeNotFoundError, RedisUnavailableError, RunExpiredError, RunNotFoundError } from '../../src/index.js';

describe('cutJson', () => {
  it('keeps a short value whole and cuts a long one with a mark', () => {
    expect(cutJson({ a: [1, 2] })).toEqual({ text: '{"a":[1,2]}', truncated: false });
    const cut = cutJson('x'.repeat(10_000), 100);
    expect(cut.truncated).toBe(true);
    expect(cut.text).toHaveLength(101);
    expect(cut.text.endsWith('…')).toBe(true);
  });

  it('never leaves half of a surrogate pair at the cut', () => {
    // '"' then emoji pairs: position 99 is a high surrogate.
    const cut = cutJson('😀'.repeat(100), 100);
    expect(cut.text).toHaveLength(100);
    expect(() => encodeURIComponent(cut.text)).not.toThrow();
  });
});

describe('toApiError', () => {
  it.each([
    [new RunNotFoundError('r'), 404, 'RUN_NOT_FOUND'],
    [new RunExpiredError('r', new Date(0)), 404, 'RUN_EXPIRED'],
    [new NodeNotFoundError('r', '9'), 404, 'NODE_NOT_FOUND'],
    [new RedisUnavailableError('127.0.0.1:1', 300), 503, 'REDIS_UNAVAILABLE'],
    [new HttpError(401, 'UNAUTHORIZED', 'no'), 401, 'UNAUTHORIZED'],
  ])('maps %s to %i %s', (error, status, code) => {
    const mapped = toApiError(error);
    expect(mapped.status).toBe(status);
    expect(mapped.body.error.code).toBe(code);
  });

  it('hides the message of an unexpected error', () => {
    expect(toApiError(new Error('/home/me/secret path'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'the dashboard failed to answer this request (see the server log)' } },
    });
  });
});

describe('Router', () => {
  const handler = async (): Promise<string> => 'ok';
  const router = new Router().get('api/runs/:id/view', handler).post('api/runs/:id/resume', handler);

  it('matches by method and pattern; HEAD is served by GET routes', () => {
    expect(router.match('GET', ['api', 'runs', 'r1', 'view'])?.params).toEqual({ id: 'r1' });
    expect(router.match('HEAD', ['api', 'runs', 'r1', 'view'])?.params).toEqual({ id: 'r1' });
    expect(router.match('GET', ['api', 'runs', '', 'view'])).toBeNull();
    expect(router.match('GET', ['api', 'runs', 'r1'])).toBeNull();
  });

  it('answers 405 when only the method is wrong', () => {
    expect(() => router.match('GET', ['api', 'runs', 'r1', 'resume'])).toThrow(HttpError);
    expect(() => router.match('OPTIONS', ['api', 'runs', 'r1', 'view'])).toThrow('use GET here');
  });
});
