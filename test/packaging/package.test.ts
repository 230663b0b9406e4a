/**
 * The published package, as a user gets it: `npm pack` (which builds first), the tarball installed into
 * a fresh project, and from there an ES module import, a CommonJS require, a TypeScript consumer
 * compiled four ways, the `celeriac` bin, and real runs against the test Redis.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl } from '../helpers/apps.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

interface Output {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without what `npm test` set for this repo (npm_config_local_prefix and the like), so npm works on the consumer. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Output> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: { ...baseEnv, NO_COLOR: '1', ...env }, timeout: 150_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function succeed(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const output = await run(command, args, cwd, env);
  if (output.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${output.code}\n${output.stdout}\n${output.stderr}`);
  return output.stdout;
}

let workspace = '';
let project = '';
let packedFiles: readonly string[] = [];

/**
 * The four ways a TypeScript project may see the package: CommonJS or ESM, node16 or nodenext. One
 * of them also checks the shipped declarations themselves (skipLibCheck off, which checks every
 * dependency's too and costs several times as long); the .d.cts is the same text.
 */
const TYPE_CONSUMERS = [
  { name: 'cjs-node16', module: 'node16', file: 'consumer.cts', checkDeclarations: false },
  { name: 'cjs-nodenext', module: 'nodenext', file: 'consumer.cts', checkDeclarations: false },
  { name: 'esm-node16', module: 'node16', file: 'consumer.mts', checkDeclarations: false },
  { name: 'esm-nodenext', module: 'nodenext', file: 'consumer.mts', checkDeclarations: true },
] as const;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'celeriac-pack-'));
  project = join(workspace, 'consumer');
  mkdirSync(project);
  // npm pack runs `npm run build` first (prepack), as npm publish does.
  const packed = JSON.parse(await succeed(npm, ['pack', '--json', '--pack-destination', workspace], repo)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const tarball = packed[0]!;
  packedFiles = tarball.files.map((file) => file.path);

  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, dependencies: { celeriac: `file:../${tarball.filename}` } }),
  );
  // Dependencies come from npm's local cache when it has them (it does after `npm ci`), else from the registry.
  await succeed(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], project);

  for (const file of ['run.cjs', 'run.mjs', 'tasks.cjs', 'submit.cjs']) copyFileSync(join(fixtures, file), join(project, file));
  const consumer = readFileSync(join(fixtures, 'consumer.ts'), 'utf8');
  for (const { name, module, file, checkDeclarations } of TYPE_CONSUMERS) {
    mkdirSync(join(project, name));
    writeFileSync(join(project, name, file), consumer);
    const compilerOptions = {
      module,
      moduleResolution: module,
      target: 'es2022',
      strict: true,
      noEmit: true,
      skipLibCheck: !checkDeclarations,
      types: ['node'],
      typeRoots: [join(repo, 'node_modules/@types')],
    };
    writeFileSync(join(project, name, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }));
  }
}, 300_000);

afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the built modules, their Lua scripts, one declaration file per module system and the license, without source maps', () => {
    expect(packedFiles).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/cli/main.js', 'dist/celeriac.d.ts', 'dist/celeriac.d.cts']));
    expect(packedFiles.filter((file) => file.endsWith('.lua')).length).toBeGreaterThan(5);
    expect(packedFiles.filter((file) => file.endsWith('.map') || file.startsWith('src/') || file.startsWith('build/'))).toEqual([]);
    expect(packedFiles.filter((file) => file.endsWith('.d.ts') && file !== 'dist/celeriac.d.ts')).toEqual([]);
  });

  it.concurrent.each(TYPE_CONSUMERS)(
    'typechecks a TypeScript consumer ($name)',
    async ({ name }) => {
      const output = await run(process.execPath, [tsc, '-p', name], project);
      expect(output.stdout + output.stderr).toBe('');
      expect(output.code).toBe(0);
    },
    // tsc is CPU-bound, and the whole suite runs beside it.
    120_000,
  );

  it('prints its version from the bin (npx celeriac --version)', async () => {
    const output = await run(npm, ['exec', '--offline', '--no', '--', 'celeriac', '--version'], project);
    expect(output).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  describe('against Redis', () => {
    const prefixes: string[] = [];
    const prefix = (): string => {
      const name = `pack-${randomUUID()}`;
      prefixes.push(name);
      return name;
    };

    afterAll(async () => {
      const redis = new Redis(redisUrl());
      try {
        for (const name of prefixes) {
          const keys = await redis.keys(`{${name}}:*`);
          if (keys.length > 0) await redis.del(...keys);
        }
      } finally {
        await redis.quit();
      }
    });

    it('runs a chain from CommonJS through require(), the same module instance as import()', async () => {
      const output = await succeed(process.execPath, ['run.cjs'], project, { REDIS_URL: redisUrl(), CELERIAC_PREFIX: prefix() });
      expect(JSON.parse(output)).toMatchObject({
        result: 6,
        sameModule: true,
        duplicateCode: 'TASK_DUPLICATE',
        duplicateIsImportedCeleriacError: true,
      });
    });

    it('runs a chord from an ES module, and the bin lists the run', async () => {
      const name = prefix();
      const output = await succeed(process.execPath, ['run.mjs'], project, { REDIS_URL: redisUrl(), CELERIAC_PREFIX: name });
      const { result, runId } = JSON.parse(output) as { result: number; runId: string };
      expect(result).toBe(12);
      const list = await run(npm, ['exec', '--offline', '--no', '--', 'celeriac', 'list', '--json', '--redis', redisUrl(), '--prefix', name], project);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toMatchObject({ runs: [{ id: runId, name: 'packed-esm', status: 'succeeded' }] });
    });

    it('serves a CommonJS module of tasks with `celeriac worker`, which closes on SIGTERM', async () => {
      const name = prefix();
      const bin = join(project, 'node_modules/.bin/celeriac');
      const worker = spawn(process.execPath, [bin, 'worker', 'tasks.cjs', '--redis', redisUrl(), '--prefix', name], {
        cwd: project,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let log = '';
      const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
      try {
        await new Promise<void>((resolve, reject) => {
          worker.stderr.on('data', (chunk: Buffer) => {
            log += chunk.toString();
            if (log.includes('worker started')) resolve();
          });
          void exited.then((code) => reject(new Error(`the worker exited ${code} before it started:\n${log}`)));
        });
        const output = await succeed(process.execPath, ['submit.cjs'], project, { REDIS_URL: redisUrl(), CELERIAC_PREFIX: name });
        expect(JSON.parse(output)).toEqual({ result: 'PACKED!' });
      } finally {
        worker.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(log).toContain('worker closed');
    });
  });
});
