import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { parseDashboardOptions } from '../../src/dashboard/options.js';

describe('parseDashboardOptions', () => {
  it('defaults: no token, base path /, values hidden', () => {
    expect(parseDashboardOptions(undefined)).toEqual({ token: null, basePath: '/', showValues: false, allowedOrigins: new Set() });
  });

  it('ends the base path with a slash', () => {
    expect(parseDashboardOptions({ basePath: '/celeriac' }).basePath).toBe('/celeriac/');
    expect(parseDashboardOptions({ basePath: '/ops/celeriac/' }).basePath).toBe('/ops/celeriac/');
  });

  it.each([
    [{ token: 'short' }, 'options.token'],
    [{ basePath: 'celeriac' }, 'options.basePath'],
    [{ basePath: '/a/../b' }, 'options.basePath'],
    [{ allowedOrigins: ['https://ops.example.com/'] }, 'options.allowedOrigins[0]'],
    [{ showValues: 'yes' }, 'options.showValues'],
    [{ tokn: 'a-token-of-sixteen-chars' }, 'options'],
  ])('refuses %j naming %s', (options, where) => {
    expect(() => parseDashboardOptions(options as never)).toThrow(ConfigError);
    expect(() => parseDashboardOptions(options as never)).toThrow(where);
  });
});
