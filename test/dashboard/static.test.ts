import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/dashboard/api-types.js';
import { useApps } from '../helpers/apps.js';
import { useDashboards } from '../helpers/dashboard.js';

const client = mkdtempSync(join(tmpdir(), 'celeriac-client-'));
writeFileSync(join(client, 'index.html'), '<!doctype html><html><head><link rel="stylesheet" href="./app.css"></head><body><script type="module" src="./app.js"></script></body></html>');
writeFileSync(join(client, 'app.js'), 'console.log("client");');
writeFileSync(join(client, 'app.css'), 'body { margin: 0 }');
writeFileSync(join(tmpdir(), 'celeriac-secret.txt'), 'THE-SECRET-CONTENT');

/** A GET with the path sent exactly as written (fetch would normalise "..", the attack to test). */
function rawGet(url: string, path: string, accept = '*/*'): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { accept } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard client files', () => {
  const startDashboard = useDashboards();
  const makeApp = useApps();
  afterAll(() => rmSync(client, { recursive: true, force: true }));

  it('serves index.html under the base path with the base path in it, and the security headers', async () => {
    const { url } = await startDashboard(makeApp(), { basePath: '/celeriac', clientDirectory: client });
    for (const path of ['', 'runs/01ABC', 'queues', 'dead-letters']) {
      const response = await fetch(`${url}${path}`, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = response.headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) {
        expect(csp).toContain(directive);
      }
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await response.text();
      expect(html).toContain('<meta name="celeriac-base" content="/celeriac/">');
      expect(html).toContain('src="/celeriac/app.js"');
      expect(html).toContain('href="/celeriac/app.css"');
    }
    const script = await fetch(`${url}app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("client");');
    const withoutSlash = await fetch(url.slice(0, -1), { headers: { accept: 'text/html' } });
    expect(withoutSlash.status).toBe(200);
  });

  it('answers 404 outside the base path, for unknown files, and for any path that tries to leave the folder', async () => {
    const { url } = await startDashboard(makeApp(), { basePath: '/celeriac', clientDirectory: client });
    expect((await fetch(new URL('/elsewhere', url))).status).toBe(404);
    expect((await fetch(`${url}missing.js`)).status).toBe(404);
    for (const path of [
      '/celeriac/../celeriac-secret.txt',
      '/celeriac/..%2fceleriac-secret.txt',
      '/celeriac/%2e%2e%2fceleriac-secret.txt',
      '/celeriac/..%5cceleriac-secret.txt',
      '/celeriac/.%2e/celeriac-secret.txt',
      '/celeriac/%2fetc%2fpasswd',
    ]) {
      const response = await rawGet(url, path);
      expect(response.body).not.toContain('THE-SECRET-CONTENT');
      expect(response.status, path).toBe(404);
    }
  });

  it('says how to build a missing client', async () => {
    const { url } = await startDashboard(makeApp(), { clientDirectory: join(client, 'nowhere') });
    const response = await fetch(url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(500);
    expect(((await response.json()) as ApiError).error.message).toBe('the dashboard client is not built: run npm run build');
  });
});
