import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { DashboardConfig } from '../../src/dashboard/api-types.js';
import { useApps } from '../helpers/apps.js';
import { celeriac, cliApp } from '../helpers/cli.js';

/** The URL the command prints once it listens. */
function urlOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /celeriac dashboard: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
  });
}

describe('celeriac dashboard', () => {
  const makeApp = useApps();

  it('serves the API, says whether actions are on, and exits 0 on SIGTERM', async () => {
    const { app, at } = cliApp(makeApp());
    let child!: ChildProcess;
    const finished = celeriac(['dashboard', '--port', '0', ...at], { CELERIAC_DASHBOARD_TOKEN: 'cli-token-0123456789abcdef' }, (started) => (child = started));
    const url = await urlOf(child);
    const config = (await (await fetch(`${url}api/config`)).json()) as DashboardConfig;
    expect(config).toMatchObject({ actions: true, showValues: false, prefix: app.config.prefix });
    child.kill('SIGTERM');
    const result = await finished;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('actions (resume, rerun, cancel, clear dead letters) are on');
    expect(result.stderr).toBe('');
  });

  it('refuses a short token as a usage error', async () => {
    const { at } = cliApp(makeApp());
    const result = await celeriac(['dashboard', '--port', '0', '--token', 'short', ...at]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('the token (--token or CELERIAC_DASHBOARD_TOKEN): must be at least 16 characters');
  });

  it('warns when it listens beyond loopback', async () => {
    const { at } = cliApp(makeApp());
    let child!: ChildProcess;
    const finished = celeriac(['dashboard', '--port', '0', '--host', '0.0.0.0', ...at], {}, (started) => (child = started));
    await urlOf(child);
    child.kill('SIGINT');
    const result = await finished;
    expect(result, JSON.stringify(result)).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('actions are off');
    expect(result.stderr).toContain('WARNING: listening on 0.0.0.0: anyone who can reach this port can read your runs');
  });
});
