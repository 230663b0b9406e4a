import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkRedis } from '../../workflows/corpus/redis-check.js';
import type { CliResult } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';

const demo = fileURLToPath(new URL('../../workflows/corpus/demo.ts', import.meta.url));

/** `npm run demo` as a child process (tsx, as the npm script runs it). */
function runDemo(env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', demo], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo when nothing answers at REDIS_URL', () => {
  it('starts a private redis-server from the PATH, says so in one line, runs, and stops it at the end', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const result = await runDemo({ REDIS_URL: closed, CELERIAC_PREFIX: `test-demo-${randomUUID()}`, CORPUS_PACE_MS: '0' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [first, second] = result.stdout.split('\n');
    const said = new RegExp(
      `^Nothing answers at ${closed} \\(connect ECONNREFUSED [^)]+\\): started a private redis-server at (redis://127\\.0\\.0\\.1:\\d+) \\(folder (\\S+)\\), stopped when the demo ends\\.$`,
    ).exec(first ?? '');
    expect(said, first).not.toBeNull();
    const [, url = '', dir = ''] = said ?? [];
    expect(second).toContain(`celeriac corpus demo · Redis ${url} · prefix "test-demo-`);
    expect(result.stdout).toContain('10 documents, 1,193 words, 554 distinct');
    // Stopped and cleaned up: the server's folder is gone and its port does not answer.
    expect(existsSync(dir)).toBe(false);
    expect(await checkRedis(url, 1000)).toMatchObject({ ok: false });
  });

  it('says how to install Redis when there is no redis-server binary, and exits 1', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    const empty = mkdtempSync(join(tmpdir(), 'celeriac-empty-path-'));
    try {
      const result = await runDemo({ REDIS_URL: closed, PATH: empty });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr.trim()).toMatch(
        new RegExp(
          `^Cannot reach Redis at ${closed} \\(connect ECONNREFUSED [^)]+\\), and there is no redis-server on the PATH to start a private one\\. ` +
            'Install Redis \\(Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis\\), or set REDIS_URL to a running server, and try again\\.$',
        ),
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
