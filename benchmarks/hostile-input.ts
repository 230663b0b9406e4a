/**
 * Before/after figures for issue 15's "hostile and huge input": building a 100,000-step chain
 * with `c = chain(c, step)`, the refusal of a 1,000,000-node canvas (maxCanvasNodes 250,000),
 * and `celeriac inspect` of a run 40,000 and 200,000 nodes wide. A program, not a test.
 *
 *   node --expose-gc --import tsx benchmarks/hostile-input.ts
 *   SRC=/tmp/celeriac-before/src STEPS=20000 WIDTHS=40000 CLI_TIMEOUT_MS=120000 node --expose-gc --import tsx benchmarks/hostile-input.ts
 *
 * SRC points at another checkout's src/ (to measure an older commit with the same script);
 * CLI_SRC at the one whose `celeriac inspect` is timed (an older CLI on runs written by this one).
 * Starts its own redis-server on a free port. Prints one line per measurement.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startRedisServer } from '../test/helpers/redis-server.js';

type Index = typeof import('../src/index.js');
const src = resolve(process.env.SRC ?? new URL('../src', import.meta.url).pathname);
const celeriac = (await import(pathToFileURL(`${src}/index.ts`).href)) as Index;
const { chain, createApp, group } = celeriac;
/** The CLI measured (default: SRC's); another checkout's src/ to time its CLI on runs this one wrote. */
const cliSrc = resolve(process.env.CLI_SRC ?? src);
const steps = Number(process.env.STEPS ?? 100_000);
const widths = (process.env.WIDTHS ?? '40000,200000').split(',').filter(Boolean).map(Number);
const cliTimeoutMs = Number(process.env.CLI_TIMEOUT_MS ?? 600_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

console.log(`src: ${src}, cli: ${cliSrc}`);

// 1. c = chain(c, step) in a loop.
{
  const app = createApp({ prefix: `bench-${randomUUID()}` });
  const add = app.task({ name: 'add' }, async (x: number, y: number) => x + y);
  const started = performance.now();
  let built = add.s(0, 0) as import('../src/index.js').AnyCanvas;
  for (let index = 1; index < steps; index++) built = (chain as (...c: unknown[]) => typeof built)(built, add.s(1));
  console.log(`chain loop: ${steps} steps built in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  await app.close();
}

// 2. A 1,000,000-node canvas refused (maxCanvasNodes 250,000).
{
  const app = createApp({ prefix: `bench-${randomUUID()}` });
  const identity = app.task({ name: 'identity' }, async (value: unknown) => value);
  const canvas = group(Array.from({ length: 1_000_000 }, (_, index) => identity.si(index)));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = heapBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const started = performance.now();
  const error = await app.submit(canvas).catch((caught: unknown) => caught);
  const took = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  console.log(
    `1M-node canvas: refused with ${(error as { code?: string }).code} in ${(took / 1000).toFixed(2)} s, ` +
      `heap ${mb(heapBefore)} before, ${mb(peak)} at the highest sample (+${mb(peak - heapBefore)})`,
  );
  await app.close();
}

// 3. celeriac inspect of wide runs (the run's nodes all succeeded).
const server = await startRedisServer();
try {
  for (const width of widths) {
    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    const app = createApp({ redis: server.url, prefix, maxCanvasNodes: Math.max(250_000, width) });
    const identity = app.task({ name: 'identity' }, async (value: unknown) => value);
    const worker = app.worker({ concurrency: 200 });
    await worker.start();
    const run = await app.submit(group(Array.from({ length: width }, (_, index) => identity.si(index))));
    await run.result();
    await app.close();
    const inspectStarted = performance.now();
    const reader = createApp({ redis: server.url, prefix });
    const inspection = await reader.getRun(run.id).inspect();
    const inspectMs = performance.now() - inspectStarted;
    await reader.close();
    const cli = await timeCli(['inspect', run.id, '--redis', server.url, '--prefix', prefix]);
    console.log(
      `inspect ${width} wide: run.inspect() ${(inspectMs / 1000).toFixed(2)} s (${inspection.nodes.length} nodes); ` +
        `celeriac inspect ${cli.finished ? `${(cli.ms / 1000).toFixed(2)} s, exit ${cli.code}, ${cli.lines} lines` : `did not finish in ${cliTimeoutMs / 1000} s`}` +
        (cli.stderr ? ` stderr: ${cli.stderr.split('\n')[0]}` : ''),
    );
  }
} finally {
  await server.stop();
}

function timeCli(args: readonly string[]): Promise<{ finished: boolean; ms: number; code: number | null; lines: number; stderr: string }> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', `${cliSrc}/cli/main.ts`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), cliTimeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ finished: signal === null, ms: performance.now() - started, code, lines: out.split('\n').length - 1, stderr: err.trim() });
    });
  });
}
