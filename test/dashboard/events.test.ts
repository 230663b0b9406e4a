import { describe, expect, it } from 'vitest';
import type { ApiError, EventJson, RunView } from '../../src/dashboard/api-types.js';
import { chain, group } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { getJson, SseReader, useDashboards } from '../helpers/dashboard.js';
import { canvasTasks } from '../helpers/tasks.js';

const runEnded = (events: readonly EventJson[]): boolean => events.some((event) => event.type === 'run.succeeded');

describe('dashboard event stream (SSE)', () => {
  const startDashboard = useDashboards();
  const makeApp = useApps();

  it("delivers a running run's node events from the view's position, and resumes from Last-Event-ID without loss", async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const run = await app.submit(chain(add.si(1, 1), group(add.s(1), add.s(2), add.s(3)), tsum.s()));
    const { url } = await startDashboard(app);
    const view = (await getJson<RunView>(`${url}api/runs/${run.id}/view`)).body;

    const { reader, response } = await SseReader.open(`${url}api/events?run=${run.id}&after=${view.after}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await app.worker({ concurrency: 4 }).start();
    const events = await reader.events(runEnded);
    reader.close();
    expect(events.every((event) => event.runId === run.id && typeof event.at === 'number')).toBe(true);
    for (const nodeId of ['0', '1', '2', '3', '4']) {
      const types = events.filter((event) => event.nodeId === nodeId).map((event) => event.type);
      // A node the worker did not take in the call that readied it is queued first; a root never is.
      if (nodeId !== '0' && types[0] === 'node.queued') types.shift();
      expect(types).toEqual(['node.started', 'node.succeeded']);
    }
    // Each attempt names the worker that started it, as the workers page lists it.
    const [worker] = (await app.workers()).live;
    expect(events.find((event) => event.type === 'node.started')).toMatchObject({ task: 'add', attempt: 1, worker: worker!.id });

    // A page that lost its connection after the fourth event reconnects with that event's id.
    const cut = 3;
    const again = await SseReader.open(`${url}api/events?run=${run.id}&after=${view.after}`, { 'last-event-id': events[cut]!.id });
    const resumed = await again.reader.events(runEnded);
    again.reader.close();
    expect(resumed).toEqual(events.slice(cut + 1));
  });

  it('streams every run without ?run=, each message with its event id', async () => {
    const app = makeApp();
    const { add } = canvasTasks(app);
    const { url } = await startDashboard(app);
    const { reader } = await SseReader.open(`${url}api/events?after=0-0`);
    const first = await app.submit(add.si(1, 1));
    const second = await app.submit(add.si(2, 2));
    const submitted = await reader.events((events) => events.filter((event) => event.type === 'run.submitted').length === 2);
    reader.close();
    expect(submitted.filter((event) => event.type === 'run.submitted').map((event) => event.runId)).toEqual([first.id, second.id]);
  });

  it('refuses a malformed position with 400', async () => {
    const app = makeApp();
    const { url } = await startDashboard(app);
    const bad = await getJson<ApiError>(`${url}api/events?after=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^after:/);
    const badHeader = await getJson<ApiError>(`${url}api/events`, { headers: { 'last-event-id': 'x' } });
    expect(badHeader.status).toBe(400);
    expect(badHeader.body.error.message).toMatch(/^Last-Event-ID:/);
  });

  it('ends the open streams on dashboard.close()', async () => {
    const app = makeApp();
    const { url, dashboard } = await startDashboard(app);
    const { reader } = await SseReader.open(`${url}api/events`);
    await dashboard.close();
    expect(await reader.next()).toBeNull();
    const after = await getJson<ApiError>(`${url}api/events`);
    expect(after.status).toBe(503);
  });
});
