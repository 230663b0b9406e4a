/**
 * `npm run bench:dashboard`: the dashboard measured in headless Chromium (Debian's, through
 * playwright-core) against a private redis-server, the dashboard's server in this process.
 *
 * 1. The run page of a finished fan-out of WIDTHS nodes (default 10,000 and 100,000): the server's
 *    answer to /api/runs/:id/view, the time from navigation to the first drawn DAG box, and the
 *    page's JS heap after a garbage collection (CDP Performance.getMetrics). A fresh browser
 *    context per repetition, so nothing is cached between them; medians with min-max.
 * 2. How long a change takes to reach an open run page: a node's handler is held until the
 *    benchmark lets it go, and the clock runs from then until the page shows the node succeeded
 *    (LATENCY_REPS times, default 10).
 * 3. The cost of 10 open dashboards to the 10,000-wide fan-out: pairs of runs, with and without
 *    10 pages open on the run's page (each holding its SSE stream), alternating the order. The
 *    run is submitted with `startAt` a few seconds ahead so that the pages have drawn it before
 *    it starts; the clock runs from `startAt` to the result. Reports nodes/s, Redis's CPU per node
 *    (INFO cpu) and commands per node (INFO stats).
 *
 *   REPS=5 PAIRS=4 WIDTHS=10000,100000 npm run bench:dashboard
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { type Browser, chromium } from 'playwright-core';
import { type App, chain, createApp, createDashboard, group } from '../src/index.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { median } from './stats.js';

const reps = Number(process.env.REPS ?? 5);
const latencyReps = Number(process.env.LATENCY_REPS ?? 10);
const pairs = Number(process.env.PAIRS ?? 4);
const widths = (process.env.WIDTHS ?? '10000,100000').split(',').map(Number).filter((width) => width > 0);
const pagesOpen = Number(process.env.PAGES ?? 10);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
/** How far ahead of the submit a measured fan-out starts: time for the pages to draw it first. */
const leadMs = Number(process.env.LEAD_MS ?? 15_000);

const server = await startRedisServer();
const admin = new Redis(server.url);
const browser: Browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

function summary(values: readonly number[], digits = 0): string {
  const fixed = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${fixed(median(values))} (${fixed(Math.min(...values))}-${fixed(Math.max(...values))})`;
}

function makeApp(): App {
  return createApp({ redis: server.url, prefix: `bench-dash-${randomUUID()}`, tracing: { enabled: false } });
}

function fanOutTasks(app: App) {
  const noop = app.task({ name: 'noop' }, async (value: number) => value);
  const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
  return { noop, sum, canvas: (width: number) => chain(group(Array.from({ length: width }, (_, index) => noop.si(index))), sum.s()) };
}

async function serve(app: App): Promise<{ url: string; close: () => Promise<void> }> {
  const dashboard = createDashboard(app);
  const http = createServer((req, res) => dashboard.handler(req, res));
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await dashboard.close();
      http.closeAllConnections();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}

async function redisStats(): Promise<{ cpuMs: number; commands: number }> {
  const info = await admin.info();
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return { cpuMs: (field('used_cpu_sys') + field('used_cpu_user')) * 1000, commands: field('total_commands_processed') };
}

/** Part 1: the run page of a finished fan-out of `width` nodes. */
async function drawing(width: number): Promise<void> {
  await admin.flushall();
  const app = makeApp();
  const { canvas } = fanOutTasks(app);
  const worker = app.worker({ concurrency });
  await worker.start();
  const run = await app.submit(canvas(width));
  await run.result({ timeoutMs: 600_000 });
  await worker.close();
  const dashboard = await serve(app);
  const viewMs: number[] = [];
  const drawMs: number[] = [];
  const heapMb: number[] = [];
  for (let rep = -1; rep < reps; rep++) {
    const fetched = performance.now();
    const response = await fetch(`${dashboard.url}/api/runs/${run.id}/view`);
    const bytes = (await response.arrayBuffer()).byteLength;
    const view = performance.now() - fetched;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const started = performance.now();
    await page.goto(`${dashboard.url}/runs/${run.id}`);
    await page.locator('[data-testid="dag-unit"]').first().waitFor({ timeout: 120_000 });
    const drawn = performance.now() - started;
    // The page's own V8 heap after a full collection: what it keeps to show the run.
    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    // Typed arrays' memory (the page keeps one status byte per node) is outside the JS heap:
    // backingStorageSize counts it.
    const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    const heap = (usage.usedSize + (usage.backingStorageSize ?? 0)) / 2 ** 20;
    await context.close();
    const label = rep < 0 ? 'warm-up (not measured)' : `rep ${rep + 1}/${reps}`;
    console.log(`${width.toLocaleString('en-US')} nodes, ${label}: view ${view.toFixed(0)} ms (${(bytes / 1024).toFixed(0)} KiB), first drawing ${drawn.toFixed(0)} ms, JS heap and buffers ${heap.toFixed(1)} MiB`);
    if (rep < 0) continue;
    viewMs.push(view);
    drawMs.push(drawn);
    heapMb.push(heap);
  }
  console.log(
    `== ${width.toLocaleString('en-US')}-node run page: view ${summary(viewMs)} ms, first drawing ${summary(drawMs)} ms, JS heap and buffers ${summary(heapMb, 1)} MiB`,
  );
  await dashboard.close();
  await app.close();
}

/** Run in the page on every animation frame: does node 0's box show `status`? (This file has no DOM types.) */
function nodeShows(status: string): boolean {
  const page = globalThis as unknown as { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } };
  return page.document.querySelector('[data-testid="dag-unit"][data-unit-id="0"]')?.getAttribute('data-status') === status;
}

/** Part 2: from a node's handler returning to the open run page showing it succeeded. */
async function latency(): Promise<void> {
  await admin.flushall();
  const app = makeApp();
  const gate: { release?: () => void } = {};
  const held = app.task({ name: 'held' }, () => new Promise<string>((resolve) => (gate.release = () => resolve('done'))));
  const after = app.task({ name: 'after' }, async (value: string) => value);
  await app.worker({ concurrency: 4 }).start();
  const dashboard = await serve(app);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const samples: number[] = [];
  for (let rep = -1; rep < latencyReps; rep++) {
    delete gate.release;
    const run = await app.submit(chain(held.si(), after.s()));
    await page.goto(`${dashboard.url}/runs/${run.id}`);
    await page.waitForFunction(nodeShows, 'running', { polling: 'raf' });
    let release: (() => void) | undefined;
    while (!(release = gate.release as (() => void) | undefined)) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    release();
    await page.waitForFunction(nodeShows, 'succeeded', { polling: 'raf' });
    const took = performance.now() - started;
    if (rep >= 0) samples.push(took);
    await run.result({ timeoutMs: 60_000 });
  }
  console.log(`== a node's success reaches the open run page in ${summary(samples)} ms (${latencyReps} reps)`);
  await context.close();
  await dashboard.close();
  await app.close();
}

/** Part 3: one 10,000-wide fan-out, with or without `pagesOpen` dashboards on its run page. */
async function fanOut(withPages: boolean): Promise<{ rate: number; redisMicrosPerNode: number; commandsPerNode: number }> {
  const width = 10_000;
  await admin.flushall();
  const app = makeApp();
  const { noop, canvas } = fanOutTasks(app);
  await app.worker({ concurrency }).start();
  await (await app.submit(noop.si(0))).result({ timeoutMs: 60_000 });
  const dashboard = await serve(app);
  // A context per page, as 10 people's browsers: one context allows 6 connections to a host,
  // and each open page holds one for its event stream.
  const contexts = withPages ? await Promise.all(Array.from({ length: pagesOpen }, () => browser.newContext({ viewport: { width: 1400, height: 900 } }))) : [];
  const startAt = new Date(Date.now() + leadMs);
  const run = await app.submit(canvas(width), { startAt });
  if (withPages) {
    await Promise.all(
      contexts.map(async (context) => {
        const page = await context.newPage();
        await page.goto(`${dashboard.url}/runs/${run.id}`);
        await page.locator('[data-testid="dag-unit"][data-kind="group"]').waitFor({ timeout: 60_000 });
      }),
    );
  }
  const late = Date.now() > startAt.getTime();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt.getTime() - Date.now() - 200)));
  const before = await redisStats();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt.getTime() - Date.now())));
  await run.result({ timeoutMs: 600_000 });
  const elapsed = Date.now() - startAt.getTime();
  const after = await redisStats();
  if (late) console.log('   (the pages were not all drawn before the run started: this pair is skewed)');
  await Promise.all(contexts.map((context) => context.close()));
  await dashboard.close();
  await app.close();
  return {
    rate: (width + 1) / (elapsed / 1000),
    redisMicrosPerNode: ((after.cpuMs - before.cpuMs) * 1000) / (width + 1),
    commandsPerNode: (after.commands - before.commands) / (width + 1),
  };
}

try {
  for (const width of widths) await drawing(width);
  if (latencyReps > 0) await latency();
  const rows = { with: [] as number[], without: [] as number[] };
  const cpu = { with: [] as number[], without: [] as number[] };
  const commands = { with: [] as number[], without: [] as number[] };
  for (let pair = pairs > 0 ? -1 : 0; pair < pairs; pair++) {
    for (const withPages of pair % 2 === 0 ? [true, false] : [false, true]) {
      const outcome = await fanOut(withPages);
      const label = pair < 0 ? 'warm-up (not measured)' : `pair ${pair + 1}/${pairs}`;
      console.log(
        `${label}, ${withPages ? `${pagesOpen} dashboards` : 'no dashboard'}: ${Math.round(outcome.rate).toLocaleString('en-US')} nodes/s, ` +
          `Redis ${outcome.redisMicrosPerNode.toFixed(1)} µs CPU/node, ${outcome.commandsPerNode.toFixed(2)} commands/node`,
      );
      if (pair < 0) continue;
      const key = withPages ? 'with' : 'without';
      rows[key].push(outcome.rate);
      cpu[key].push(outcome.redisMicrosPerNode);
      commands[key].push(outcome.commandsPerNode);
    }
  }
  if (pairs > 0) report(rows, cpu, commands);
} finally {
  await browser.close();
  await admin.quit();
  await server.stop();
}

function report(rows: { with: number[]; without: number[] }, cpu: { with: number[]; without: number[] }, commands: { with: number[]; without: number[] }): void {
  console.log(`== 10,000-wide fan-out, no dashboard: ${summary(rows.without)} nodes/s, Redis ${summary(cpu.without, 1)} µs CPU/node, ${summary(commands.without, 2)} commands/node`);
  console.log(
    `== 10,000-wide fan-out, ${pagesOpen} dashboards: ${summary(rows.with)} nodes/s, Redis ${summary(cpu.with, 1)} µs CPU/node, ${summary(commands.with, 2)} commands/node`,
  );
  console.log(`== throughput with/without: ${(median(rows.with) / median(rows.without)).toFixed(2)}`);
}
