import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkAction, type GuardSettings, sameSecret } from '../../src/dashboard/guard.js';
import { HttpError } from '../../src/dashboard/http.js';

const TOKEN = 'a-token-of-sixteen-chars';
const settings: GuardSettings = { token: TOKEN, allowedOrigins: new Set(['https://ops.example.com']) };

function refusal(headers: IncomingHttpHeaders, options: GuardSettings = settings): { status: number; code: string } | null {
  try {
    checkAction(headers, options);
    return null;
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, code: error.code };
  }
}

describe('checkAction', () => {
  const authorized = { host: 'localhost:7474', authorization: `Bearer ${TOKEN}` };

  it('refuses every action when no token was configured, token or not', () => {
    expect(refusal(authorized, { token: null, allowedOrigins: new Set() })).toEqual({ status: 403, code: 'ACTIONS_DISABLED' });
  });

  it('lets a request with the token through', () => {
    expect(refusal(authorized)).toBeNull();
    expect(refusal({ ...authorized, authorization: `bearer ${TOKEN}` })).toBeNull();
  });

  it('refuses a missing, wrong or differently shaped token with 401', () => {
    expect(refusal({ host: 'localhost:7474' })).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(refusal({ ...authorized, authorization: 'Bearer wrong-token-of-enough-length' })).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(refusal({ ...authorized, authorization: `Basic ${TOKEN}` })).toEqual({ status: 401, code: 'UNAUTHORIZED' });
    expect(refusal({ ...authorized, authorization: `Bearer ${TOKEN}x` })).toEqual({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('accepts its own origin and the allowed ones, and refuses any other, even with the token', () => {
    expect(refusal({ ...authorized, origin: 'http://localhost:7474' })).toBeNull();
    expect(refusal({ ...authorized, origin: 'https://ops.example.com' })).toBeNull();
    expect(refusal({ ...authorized, origin: 'https://evil.example' })).toEqual({ status: 403, code: 'FOREIGN_ORIGIN' });
    expect(refusal({ ...authorized, origin: 'null' })).toEqual({ status: 403, code: 'FOREIGN_ORIGIN' });
    expect(refusal({ ...authorized, origin: 'http://localhost:7475' })).toEqual({ status: 403, code: 'FOREIGN_ORIGIN' });
  });

  it('refuses a request the browser marks cross-site', () => {
    expect(refusal({ ...authorized, 'sec-fetch-site': 'cross-site' })).toEqual({ status: 403, code: 'CROSS_SITE' });
    expect(refusal({ ...authorized, 'sec-fetch-site': 'same-origin' })).toBeNull();
  });
});

describe('sameSecret', () => {
  it('compares whole strings of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'abc')).toBe(false);
  });
});
