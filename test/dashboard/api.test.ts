import { describe, expect, it } from 'vitest';
import type { ApiError, DashboardConfig, DeadLettersPage, NodeDetail, QueuesPage, RunsPage, RunView, WorkersPage } from '../../src/dashboard/api-types.js';
import { chain, group } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { getJson, useDashboards } from '../helpers/dashboard.js';
import { settled } from '../helpers/runs.js';
import { canvasTasks } from '../helpers/tasks.js';

describe('dashboard JSON API', () => {
  const startDashboard = useDashboards();
  const makeApp = useApps();

  it('says what the page may do', async () => {
    const app = makeApp();
    const { url } = await startDashboard(app, { showValues: true });
    const { status, body, headers } = await getJson<DashboardConfig>(`${url}api/config`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ actions: false, showValues: true, prefix: app.config.prefix, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('lists runs newest first with their counts, filters by status and by name, and pages', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const names = ['alpha-1', 'beta-1', 'alpha-2', 'beta-2', 'alpha-3'];
    // Explicit ids keep the order fixed when two runs are created in the same millisecond.
    for (const [index, name] of names.entries()) await app.submit(chain(add.si(1, 1), add.s(1)), { id: `r${index + 1}`, name });
    await app.getRun('r4').cancel();
    const { url } = await startDashboard(app);

    const first = await getJson<RunsPage>(`${url}api/runs?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.runs.map((run) => run.name)).toEqual(['alpha-3', 'beta-2']);
    expect(first.body.runs[0]).toMatchObject({ id: 'r5', status: 'running', nodeCount: 2, counts: { queued: 1, pending: 1, succeeded: 0 } });
    expect(first.body.runs[1]).toMatchObject({ status: 'cancelled', counts: { cancelled: 2 } });
    expect(Math.abs(first.body.at - Date.now())).toBeLessThan(60_000);
    const second = await getJson<RunsPage>(`${url}api/runs?limit=2&cursor=${encodeURIComponent(first.body.cursor!)}`);
    expect(second.body.runs.map((run) => run.name)).toEqual(['alpha-2', 'beta-1']);

    const cancelled = await getJson<RunsPage>(`${url}api/runs?status=cancelled`);
    expect(cancelled.body.runs.map((run) => run.id)).toEqual(['r4']);
    expect(cancelled.body.cursor).toBeNull();

    const alphas = await getJson<RunsPage>(`${url}api/runs?name=ALPHA&limit=2`);
    expect(alphas.body.runs.map((run) => run.name)).toEqual(['alpha-3', 'alpha-2']);
    expect(alphas.body.cursor).not.toBeNull();
    const rest = await getJson<RunsPage>(`${url}api/runs?name=alpha&limit=2&cursor=${encodeURIComponent(alphas.body.cursor!)}`);
    expect(rest.body.runs.map((run) => run.name)).toEqual(['alpha-1']);
    expect(rest.body.cursor).toBeNull();
    const runningBetas = await getJson<RunsPage>(`${url}api/runs?name=beta&status=running`);
    expect(runningBetas.body.runs.map((run) => run.name)).toEqual(['beta-1']);
  });

  it.each([
    ['status=done', 'status'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=nonsense', 'cursor'],
  ])('refuses a bad query (%s) with 400 naming %s', async (query, parameter) => {
    const app = makeApp();
    const { url } = await startDashboard(app);
    const { status, body } = await getJson<ApiError>(`${url}api/runs?${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('BAD_REQUEST');
    expect(body.error.message.startsWith(`${parameter}:`)).toBe(true);
  });

  it('draws chain(a, group(b × 50), d) as three units, the group collapsed with its counts, and expands it', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const run = await app.submit(chain(add.si(1, 1), group(Array.from({ length: 50 }, (_, k) => add.s(k))), tsum.s()), { name: 'wide' });
    const { url } = await startDashboard(app);

    const before = await getJson<RunView>(`${url}api/runs/${run.id}/view`);
    expect(before.status).toBe(200);
    const view = before.body;
    expect(view.run).toMatchObject({ id: run.id, name: 'wide', status: 'running', reopened: 0 });
    expect(view.units.map((unit) => [unit.kind, unit.id])).toEqual([
      ['node', '0'],
      ['group', 'g1'],
      ['node', '51'],
    ]);
    expect(view.units[1]).toMatchObject({ task: 'add', size: 50, members: [[1, 50]] });
    expect(view.units[0]).toMatchObject({ node: { id: '0', task: 'add', attempts: 0 } });
    expect(view.edges).toEqual([
      ['0', 'g1'],
      ['g1', '51'],
    ]);
    // Node 0 is queued (code 1), the others wait (code 0).
    expect(view.statuses).toBe(`1${'0'.repeat(51)}`);
    expect(view.after).toMatch(/^\d+-\d+$/);

    await app.worker({ concurrency: 8 }).start();
    await run.result({ timeoutMs: 20_000 });
    const after = (await getJson<RunView>(`${url}api/runs/${run.id}/view`)).body;
    expect(after.statuses).toBe('4'.repeat(52));
    expect(after.run.status).toBe('succeeded');
    const group1 = after.units[1];
    expect(group1?.kind === 'group' && group1.startedAt !== undefined && group1.finishedAt !== undefined).toBe(true);

    const expanded = (await getJson<RunView>(`${url}api/runs/${run.id}/view?expand=g1`)).body;
    expect(expanded.units).toHaveLength(52);
    expect(expanded.units.every((unit) => unit.kind === 'node')).toBe(true);
    expect(expanded.edges).toHaveLength(100);
    expect(expanded.edges).toContainEqual(['0', '17']);
    expect(expanded.edges).toContainEqual(['17', '51']);

    const bad = await getJson<ApiError>(`${url}api/runs/${run.id}/view?expand=17`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^expand:/);
  });

  it('answers 404 with an ApiError for an unknown run or node, and 404 for an unknown API route', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const run = await app.submit(add.si(1, 1));
    const { url } = await startDashboard(app);
    const view = await getJson<ApiError>(`${url}api/runs/no-such-run/view`);
    expect(view.status).toBe(404);
    expect(view.body).toEqual({ error: { code: 'RUN_NOT_FOUND', message: expect.stringContaining('no-such-run') } });
    const node = await getJson<ApiError>(`${url}api/runs/${run.id}/nodes/9`);
    expect(node.status).toBe(404);
    expect(node.body.error.code).toBe('NODE_NOT_FOUND');
    const route = await getJson<ApiError>(`${url}api/nothing`);
    expect(route.status).toBe(404);
    const badId = await getJson<ApiError>(`${url}api/runs/${encodeURIComponent('a b')}/view`);
    expect(badId.status).toBe(400);
  });

  it('answers 503 REDIS_UNAVAILABLE when Redis does not answer', async () => {
    // Nothing listens on port 1.
    const app = makeApp({ redis: 'redis://127.0.0.1:1', connectTimeoutMs: 300 });
    const { url } = await startDashboard(app);
    const { status, body } = await getJson<ApiError>(`${url}api/runs`);
    expect(status).toBe(503);
    expect(body.error.code).toBe('REDIS_UNAVAILABLE');
  });

  it('details a node: parents, dependants, attempts and history; values only when shown', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    await app.worker({ concurrency: 4 }).start();
    const run = await app.submit(chain(add.si(1, 1), group(add.s(10), add.s(20)), tsum.s()));
    expect(await run.result({ timeoutMs: 20_000 })).toBe(34);
    await settled(run);
    const hidden = await startDashboard(app);
    const shown = await startDashboard(app, { showValues: true });

    const { status, body } = await getJson<NodeDetail>(`${hidden.url}api/runs/${run.id}/nodes/1`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ runId: run.id, id: '1', task: 'add', status: 'succeeded', attempts: 1, parents: ['0'], dependants: ['3'] });
    expect(body.history.map((event) => event.type)).toEqual(['node.started', 'node.succeeded']);
    expect(body.history.every((event) => event.nodeId === '1' && typeof event.at === 'number')).toBe(true);
    expect(body.startedAt).toBeTypeOf('number');
    expect(body).not.toHaveProperty('result');
    expect(body).not.toHaveProperty('args');

    const withValues = (await getJson<NodeDetail>(`${shown.url}api/runs/${run.id}/nodes/1`)).body;
    expect(withValues).toMatchObject({ args: '[10]', result: '12', queue: 'default' });
    expect(withValues).not.toHaveProperty('truncated');
  });

  it('cuts a large value to a few KiB and says so', async () => {
    const app = makeApp();
    const big = app.task({ name: 'big' }, async (size: number): Promise<string> => 'x'.repeat(size));
    await app.worker().start();
    const run = await app.submit(big.si(100_000));
    await run.result({ timeoutMs: 10_000 });
    const { url } = await startDashboard(app, { showValues: true });
    const detail = (await getJson<NodeDetail>(`${url}api/runs/${run.id}/nodes/0`)).body;
    expect(detail.args).toBe('[100000]');
    expect(detail.result!.length).toBeLessThanOrEqual(4 * 1024 + 1);
    expect(detail.result!.endsWith('…')).toBe(true);
    expect(detail.truncated).toBe(true);
  });

  it('returns values and errors from Redis as data: markup stays text inside the JSON', async () => {
    const app = makeApp();
    const probe = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const echo = app.task({ name: 'echo' }, async (): Promise<string> => probe);
    const boom = app.task({ name: 'boom' }, async (): Promise<string> => {
      throw new Error(probe);
    });
    await app.worker().start();
    const ok = await app.submit(echo.si());
    await ok.result({ timeoutMs: 10_000 });
    const failed = await app.submit(boom.si());
    await expect(failed.result({ timeoutMs: 10_000 })).rejects.toThrow();
    const { url } = await startDashboard(app, { showValues: true });

    const value = await fetch(`${url}api/runs/${ok.id}/nodes/0`);
    expect(value.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await value.json()) as NodeDetail).result).toBe(JSON.stringify(probe));
    const error = (await getJson<NodeDetail>(`${url}api/runs/${failed.id}/nodes/0`)).body;
    expect(error.error).toMatchObject({ name: 'Error', message: probe });
    expect(error.history.at(-1)).toMatchObject({ type: 'node.failed', error: { message: probe } });
  });

  it('reports queues, workers and dead letters', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    await app.submit(add.si(1, 1));
    const { url } = await startDashboard(app);
    const queues = (await getJson<QueuesPage>(`${url}api/queues`)).body;
    const row = queues.queues.find((queue) => queue.name === 'default');
    expect(row).toMatchObject({ ready: 1, delayed: 0, leased: 0, bucketMs: 10_000 });
    // No worker has reported finished attempts yet (they come with its beats).
    expect(row!.throughput).toEqual([]);

    await app.redis.zadd(app.keys.shards[0]!.queue('default').ready, 0, 'not a message');
    const worker = app.worker();
    await worker.start();
    const workers = (await getJson<WorkersPage>(`${url}api/workers`)).body;
    expect(workers.live.map((row) => row.pid)).toEqual([process.pid]);
    while ((await app.deadLetters({ limit: 0 })).total === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.close();
    const letters = (await getJson<DeadLettersPage>(`${url}api/dead-letters?limit=5`)).body;
    expect(letters.total).toBe(1);
    expect(letters.entries[0]).toMatchObject({ reason: 'malformed', queue: 'default', message: 'not a message' });
  });
});
