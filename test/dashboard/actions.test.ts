import { describe, expect, it } from 'vitest';
import type { ActionResult, ApiError } from '../../src/dashboard/api-types.js';
import { chain, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { useDashboards } from '../helpers/dashboard.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

const TOKEN = 'test-token-0123456789abcdef';

async function post<T>(url: string, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

describe('dashboard actions', () => {
  const startDashboard = useDashboards();
  const makeApp = useApps();

  /** A run whose middle node failed; `heal()` makes that node succeed from now on. */
  async function failedRun(app: ReturnType<typeof makeApp>) {
    const { add } = canvasTasks(app);
    let broken = true;
    const flaky = app.task({ name: 'flaky' }, async (value: number): Promise<number> => {
      if (broken) throw new Error('not yet');
      return value * 10;
    });
    await app.worker({ concurrency: 2 }).start();
    const run = await app.submit(chain(add.si(1, 1), flaky.s(), add.s(1)));
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await settled(run);
    return { run, heal: () => void (broken = false) };
  }

  it('are off without a configured token: 403 ACTIONS_DISABLED, even with a bearer token', async () => {
    const app = makeApp();
    const { run } = await failedRun(app);
    const { url } = await startDashboard(app);
    for (const path of [`api/runs/${run.id}/resume`, `api/runs/${run.id}/rerun`, `api/runs/${run.id}/cancel`, 'api/dead-letters/clear']) {
      const refused = await post<ApiError>(`${url}${path}`, { authorization: `Bearer ${TOKEN}` });
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('ACTIONS_DISABLED');
    }
    expect((await run.inspect()).status).toBe('failed');
  });

  it('refuse a missing or wrong token (401), a foreign Origin or a cross-site fetch (403); resume works with the token', async () => {
    const app = makeApp();
    const { run, heal } = await failedRun(app);
    const { url } = await startDashboard(app, { token: TOKEN });
    const resume = `${url}api/runs/${run.id}/resume`;

    expect((await post<ApiError>(resume)).status).toBe(401);
    expect((await post<ApiError>(resume, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const foreign = await post<ApiError>(resume, { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' });
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: 'FOREIGN_ORIGIN' } } });
    const crossSite = await post<ApiError>(resume, { authorization: `Bearer ${TOKEN}`, 'sec-fetch-site': 'cross-site' });
    expect(crossSite).toMatchObject({ status: 403, body: { error: { code: 'CROSS_SITE' } } });
    expect((await run.inspect()).status).toBe('failed');

    heal();
    const own = new URL(url).origin;
    const resumed = await post<ActionResult>(resume, { authorization: `Bearer ${TOKEN}`, origin: own });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toEqual({
      message: 'Resumed: 2 nodes reset, 1 enqueued',
      outcome: { changed: true, status: 'running', resetNodes: 2, enqueuedNodes: 1 },
    });
    expect(await run.result({ timeoutMs: 10_000 })).toBe(21);
    const again = await post<ActionResult>(resume, { authorization: `Bearer ${TOKEN}` });
    expect(again.body.message).toBe('Nothing to do: the run is succeeded');
  });

  it('rerun from a node, rerun of the whole run, and cancel, with the token', async () => {
    const app = makeApp();
    const { run, heal } = await failedRun(app);
    heal();
    const { url } = await startDashboard(app, { token: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const fromOne = await post<ActionResult>(`${url}api/runs/${run.id}/rerun`, auth, { from: '1' });
    expect(fromOne.status).toBe(200);
    expect(fromOne.body.message).toBe('Rerun from node 1: 2 nodes reset, 1 enqueued');
    expect(await run.result({ timeoutMs: 10_000 })).toBe(21);
    const whole = await post<ActionResult>(`${url}api/runs/${run.id}/rerun`, auth);
    expect(whole.body.message).toBe('Rerun of the whole run: 3 nodes reset, 1 enqueued');
    await run.result({ timeoutMs: 10_000 });
    const badFrom = await post<ApiError>(`${url}api/runs/${run.id}/rerun`, auth, { from: 7 });
    expect(badFrom.status).toBe(400);
    const missing = await post<ApiError>(`${url}api/runs/${run.id}/rerun`, auth, { from: '99' });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'NODE_NOT_FOUND' } } });

    const slow = app.task({ name: 'slow' }, async (): Promise<number> => new Promise(() => undefined));
    const pending = await app.submit(chain(slow.si(), slow.si()));
    const cancelled = await post<ActionResult>(`${url}api/runs/${pending.id}/cancel`, auth);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.outcome).toMatchObject({ changed: true, status: 'cancelled' });
    expect(cancelled.body.message).toMatch(/^Cancelled: /);
  });

  it('clears dead letters with the token', async () => {
    const app = makeApp();
    const { url } = await startDashboard(app, { token: TOKEN });
    const cleared = await post<ActionResult>(`${url}api/dead-letters/clear`, { authorization: `Bearer ${TOKEN}` });
    expect(cleared).toEqual({ status: 200, body: { message: 'Cleared 0 dead letters', outcome: { cleared: 0 } } });
  });

  it('answers 405 for a GET of an action', async () => {
    const app = makeApp();
    const { url } = await startDashboard(app, { token: TOKEN });
    const response = await fetch(`${url}api/dead-letters/clear`);
    expect(response.status).toBe(405);
  });
});
