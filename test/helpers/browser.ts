import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type App, createDashboard, type DashboardOptions } from '../../src/index.js';

/** Debian's Chromium unless CHROMIUM_PATH names another (playwright-core downloads no browser). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Where screenshots go: a gitignored folder by default; `npm run dashboard:shots` points it at
 * docs/images/dashboard so that docs/dashboard.md shows what this very script saw.
 */
export const SHOTS_DIR = resolve(process.env.DASHBOARD_SHOTS_DIR ?? '.dashboard-shots');

/** One headless Chromium for the file, and a fresh page per test. */
export function useBrowser(): () => Promise<Page> {
  let browser: Browser | undefined;
  const pages: Page[] = [];
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // The machine's network is closed: without these Chromium retries Google's hosts at every start.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });
  return async () => {
    if (!browser) throw new Error('the browser did not start');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    pages.push(page);
    return page;
  };
}

export interface ServedDashboard {
  readonly url: string;
  readonly server: Server;
}

/** A dashboard over `app` on a loopback port of its own, closed after the test. */
export function useDashboard(): (app: App, options?: DashboardOptions) => Promise<ServedDashboard> {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  return async (app, options = {}) => {
    const dashboard = createDashboard(app, options);
    const server = createServer((req, res) => dashboard.handler(req, res));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    closers.push(async () => {
      await dashboard.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    });
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, server };
  };
}

/** A screenshot of the page into SHOTS_DIR, by name. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const path = resolve(SHOTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
