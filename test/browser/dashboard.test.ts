import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type App, chain, dag, group, map, when, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { shot, useBrowser, useDashboard } from '../helpers/browser.js';

/** A probe that runs script if anything on the page turns text from Redis into markup. */
const XSS = `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script>`;
const TOKEN = 'test-token-0123456789';

/** Promises a test resolves by name, so that a run stops where the test wants to look at it. */
function gates() {
  const waiting = new Map<string, (() => void)[]>();
  const opened = new Set<string>();
  return {
    wait(name: string): Promise<void> {
      if (opened.has(name)) return Promise.resolve();
      return new Promise((resolve) => waiting.set(name, [...(waiting.get(name) ?? []), resolve]));
    },
    open(name: string): void {
      opened.add(name);
      for (const resolve of waiting.get(name) ?? []) resolve();
      waiting.delete(name);
    },
  };
}

/** Tasks whose steps wait for a gate of their name, plus one that fails with the XSS probe. */
function pipelineTasks(app: App, gate: ReturnType<typeof gates>) {
  const step = app.task({ name: 'step' }, async (name: string) => {
    await gate.wait(name);
    return `${name} done`;
  });
  const stepAfter = app.task({ name: 'stepAfter' }, async (input: unknown, name: string) => {
    await gate.wait(name);
    return { input, name };
  });
  let broken = true;
  const fragile = app.task({ name: 'fragile', retry: { attempts: 1 } }, async (input: unknown) => {
    if (broken) throw new Error(`upstream said ${XSS}`);
    return input;
  });
  const probe = app.task({ name: 'probe' }, async () => ({ html: XSS }));
  return { step, stepAfter, fragile, probe, mend: () => (broken = false) };
}

const unit = (page: Page, id: string) => page.locator(`[data-testid="dag-unit"][data-unit-id="${id}"]`);

describe('the dashboard in a real browser', () => {
  const makeApp = useApps();
  const newPage = useBrowser();
  const serve = useDashboard();

  it('draws a run as it runs: nodes, edges, and colours that change without a reload', async () => {
    const app = makeApp();
    const gate = gates();
    const { step, stepAfter } = pipelineTasks(app, gate);
    await app.worker({ concurrency: 8 }).start();
    const { url } = await serve(app);
    const run = await app.submit(
      chain(step.si('fetch'), group(stepAfter.s('left'), stepAfter.s('right')), stepAfter.s('merge')),
      { name: 'live-pipeline' },
    );
    gate.open('fetch');
    const page = await newPage();
    await page.goto(`${url}/runs/${run.id}`);
    // Node 0 is fetch; 1 and 2 the group; 3 the merge.
    await expect.poll(() => unit(page, '0').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('running');
    expect(await page.locator('[data-testid="dag-unit"]').count()).toBe(4);
    const edges = await page.locator('[data-testid="dag-edge"]').evaluateAll((paths) =>
      paths.map((path) => `${path.getAttribute('data-from')}->${path.getAttribute('data-to')}`).sort(),
    );
    expect(edges).toEqual(['0->1', '0->2', '1->3', '2->3']);
    await expect.poll(() => unit(page, '3').getAttribute('data-status')).toBe('pending');
    await shot(page, 'run-mid');

    gate.open('left');
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('succeeded');
    expect(await unit(page, '2').getAttribute('data-status')).toBe('running');
    gate.open('right');
    gate.open('merge');
    await run.result({ timeoutMs: 20_000 });
    await expect.poll(() => unit(page, '3').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => page.getByTestId('run-status').textContent()).toContain('succeeded');
    await page.getByTestId('tab-timeline').click();
    await shot(page, 'run-timeline');
  });

  it('draws a when and a dag: the branch not taken turns skipped live, a join shows every parent', async () => {
    const app = makeApp();
    const gate = gates();
    const { step, stepAfter } = pipelineTasks(app, gate);
    const decide = app.task({ name: 'decide' }, async (_input: unknown) => {
      await gate.wait('decide');
      return false;
    });
    const joinBoth = app.task({ name: 'joinBoth' }, (first: unknown, second: unknown) => [first, second]);
    await app.worker({ concurrency: 8 }).start();
    const { url } = await serve(app);
    const g = dag<unknown>();
    const left = g.add(stepAfter.s('left'));
    const right = g.add(stepAfter.s('right'));
    g.add(joinBoth.s(), { after: [left, right] });
    // Node 0 fetch; 1 decide; 2-3 the then branch (a chain); 4-6 the otherwise branch (the dag).
    const run = await app.submit(chain(step.si('fetch'), when(decide.s(), chain(stepAfter.s('a'), stepAfter.s('b')), g)), { name: 'when-and-dag' });
    gate.open('fetch');
    const page = await newPage();
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('running');
    expect(await unit(page, '2').getAttribute('data-status')).toBe('pending');
    gate.open('decide');
    await expect.poll(() => unit(page, '2').getAttribute('data-status')).toBe('skipped');
    await expect.poll(() => unit(page, '3').getAttribute('data-status')).toBe('skipped');
    for (const name of ['left', 'right']) gate.open(name);
    await run.result({ timeoutMs: 20_000 });
    await expect.poll(() => unit(page, '6').getAttribute('data-status')).toBe('succeeded');
    const edges = await page.locator('[data-testid="dag-edge"]').evaluateAll((paths) =>
      paths.map((path) => `${path.getAttribute('data-from')}->${path.getAttribute('data-to')}`).sort(),
    );
    expect(edges).toEqual(expect.arrayContaining(['4->6', '5->6', '1->2', '1->4']));
    await shot(page, 'run-when-dag');
  });

  it('draws a map as it grows: the nodes it adds appear live, with edges to the map node, without a reload', async () => {
    const app = makeApp();
    const gate = gates();
    const { stepAfter } = pipelineTasks(app, gate);
    const listFiles = app.task({ name: 'listFiles' }, async (): Promise<string[]> => {
      await gate.wait('list');
      return ['a.txt', 'b.txt', 'c.txt'];
    });
    await app.worker({ concurrency: 8 }).start();
    const { url } = await serve(app);
    // Node 0 lists, 1 is the map, 2 merges; the map adds 2 nodes per item (3-8), whose first steps get their item as an arg.
    const run = await app.submit(chain(listFiles.si(), map(chain(stepAfter.s('read'), stepAfter.s('count'))), stepAfter.s('merge')), { name: 'map-grows' });
    const page = await newPage();
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => unit(page, '0').getAttribute('data-status')).toBe('running');
    expect(await page.locator('[data-testid="dag-unit"]').count()).toBe(3);
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    gate.open('list');
    await expect.poll(() => page.locator('[data-testid="dag-unit"]').count()).toBe(9);
    await expect.poll(() => unit(page, '3').getAttribute('data-status')).toBe('running');
    expect(await unit(page, '1').getAttribute('data-status')).toBe('pending');
    const edges = await page.locator('[data-testid="dag-edge"]').evaluateAll((paths) =>
      paths.map((path) => `${path.getAttribute('data-from')}->${path.getAttribute('data-to')}`).sort(),
    );
    // The list feeds each item's first step; each item's last step feeds the map node.
    expect(edges).toEqual(expect.arrayContaining(['0->3', '0->5', '0->7', '3->4', '4->1', '6->1', '8->1', '1->2']));
    await shot(page, 'run-map-growing');
    for (const name of ['read', 'count', 'merge']) gate.open(name);
    await run.result({ timeoutMs: 20_000 });
    await expect.poll(() => unit(page, '2').getAttribute('data-status')).toBe('succeeded');
    expect(await unit(page, '1').getAttribute('data-status')).toBe('succeeded');
    expect(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await shot(page, 'run-map-done');
  });

  it('draws an onError: its error node after the element, firing live when the element fails, then the callback', async () => {
    const app = makeApp();
    const gate = gates();
    const { step, stepAfter, fragile } = pipelineTasks(app, gate);
    await app.worker({ concurrency: 8 }).start();
    const { url } = await serve(app);
    // Node 0 fetch, 1 fragile (fails), 2 NO_ERROR_TASK, 3 the error node, 4 the callback.
    const run = await app.submit(chain(step.si('fetch'), fragile.s()).onError(stepAfter.s('page-ops')), { name: 'on-error' });
    const page = await newPage();
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => unit(page, '0').getAttribute('data-status')).toBe('running');
    expect(await unit(page, '3').getAttribute('data-status')).toBe('pending');
    gate.open('fetch');
    await expect(run.result({ timeoutMs: 20_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    await expect.poll(() => unit(page, '3').getAttribute('data-status')).toBe('succeeded');
    await expect.poll(() => unit(page, '4').getAttribute('data-status')).toBe('running');
    expect(await unit(page, '1').getAttribute('data-status')).toBe('failed');
    expect(await unit(page, '2').getAttribute('data-status')).toBe('cancelled');
    const edges = await page.locator('[data-testid="dag-edge"]').evaluateAll((paths) =>
      paths.map((path) => `${path.getAttribute('data-from')}->${path.getAttribute('data-to')}`).sort(),
    );
    // The error node is drawn after the nodes whose failure fires it; the callback after it.
    expect(edges).toEqual(['0->1', '0->3', '1->2', '1->3', '3->4']);
    await shot(page, 'run-on-error');
    gate.open('page-ops');
    await expect.poll(() => unit(page, '4').getAttribute('data-status')).toBe('succeeded');
  });

  it('collapses a 10,000-wide group into one box with counts by state, and expands it on demand', async () => {
    const app = makeApp();
    const gate = gates();
    const { step, stepAfter } = pipelineTasks(app, gate);
    const members = Array.from({ length: 10_000 }, (_, index) => stepAfter.s(`member-${index % 3}`));
    const run = await app.submit(chain(step.si('fetch'), group(members), stepAfter.s('merge')), { name: 'wide-fan-out' });
    gate.open('fetch');
    gate.open('member-0');
    gate.open('member-1');
    const { url } = await serve(app);
    const page = await newPage();
    await page.goto(`${url}/runs/${run.id}`);
    const box = page.locator('[data-testid="dag-unit"][data-kind="group"]');
    await expect.poll(() => box.count()).toBe(1);
    await expect.poll(() => box.textContent()).toContain('group of 10,000');
    expect(await page.locator('[data-testid="dag-unit"]').count()).toBe(3);
    // The worker starts only now: the open page must see the counts move by itself.
    const worker = app.worker({ concurrency: 16 });
    await worker.start();
    // member-2's gate stays shut, so the worker's slots fill up with them while the others finish.
    await expect.poll(() => box.textContent(), { timeout: 60_000 }).toMatch(/[1-9][\d,]* succeeded/);
    await expect.poll(() => box.textContent(), { timeout: 60_000 }).toMatch(/[1-9][\d,]* running/);
    await expect.poll(() => box.textContent(), { timeout: 60_000 }).toMatch(/[1-9][\d,]* queued/);
    await shot(page, 'run-wide-group');
    await box.getByTestId('expand-group').click();
    await expect.poll(() => page.locator('[data-testid="dag-unit"]').count()).toBeGreaterThan(100);
    await page.goto(`${url}/workers`);
    await expect.poll(() => page.locator('body').textContent()).toContain(String(process.pid));
    await shot(page, 'workers');
    gate.open('member-2');
    // A worker's finished attempts reach the throughput chart with its beats and at its close.
    await worker.close();
    await page.goto(`${url}/queues`);
    await expect.poll(() => page.locator('canvas').count()).toBeGreaterThan(0);
    await shot(page, 'queues');
  });

  it('shows a failed node with its error and stack, and the XSS probe in errors and results stays inert', async () => {
    const app = makeApp();
    const { probe, fragile } = pipelineTasks(app, gates());
    await app.worker({ concurrency: 4 }).start();
    const { url } = await serve(app, { showValues: true });
    const run = await app.submit(chain(probe.si(), fragile.s()), { name: `failing ${XSS}` });
    await expect(run.result({ timeoutMs: 20_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    const page = await newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${url}/`);
    await expect.poll(() => page.locator(`[data-testid="run-row"][data-run-id="${run.id}"]`).textContent()).toContain(XSS);
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('failed');
    await unit(page, '1').click();
    const panel = page.getByTestId('node-panel');
    await expect.poll(() => panel.textContent()).toContain(`upstream said ${XSS}`);
    expect(await panel.textContent()).toContain('at '); // the stack
    // The attempts table: the one attempt, failed, with the worker that ran it.
    const worker = (await app.workers()).live[0]?.id ?? 'no live worker';
    await expect.poll(() => page.getByTestId('attempts').textContent()).toContain('failed');
    expect(await page.getByTestId('attempts').locator('td[title]').getAttribute('title')).toBe(worker);
    await unit(page, '0').click();
    await expect.poll(() => panel.textContent()).toContain('onerror');
    await unit(page, '1').click();
    await expect.poll(() => panel.textContent()).toContain('upstream said');
    await shot(page, 'run-failed-node');
    await page.getByTestId('attempts').scrollIntoViewIfNeeded();
    await shot(page, 'run-failed-node-attempts');
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('resumes a failed run with the token, refuses without it, and the page follows the run to success', async () => {
    const app = makeApp();
    const { probe, fragile, mend } = pipelineTasks(app, gates());
    await app.worker({ concurrency: 4 }).start();
    const { url } = await serve(app, { token: TOKEN });
    const run = await app.submit(chain(probe.si(), fragile.s()));
    await expect(run.result({ timeoutMs: 20_000 })).rejects.toBeInstanceOf(WorkflowFailedError);

    // Straight at the API: no token, a wrong one, and a cross-site request carrying the right one.
    const resume = `${url}/api/runs/${run.id}/resume`;
    expect((await fetch(resume, { method: 'POST' })).status).toBe(401);
    expect((await fetch(resume, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const crossSite = await fetch(resume, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect((await run.inspect()).status).toBe('failed');

    mend();
    const page = await newPage();
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('failed');
    // A wrong token first: the page says it was refused and nothing changes.
    await page.getByTestId('action-resume').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('token-input').fill('wrong');
    await page.getByTestId('token-ok').click();
    await expect.poll(() => page.getByTestId('action-message').textContent()).toMatch(/token/i);
    expect((await run.inspect()).status).toBe('failed');
    await page.evaluate('sessionStorage.clear()');

    await page.getByTestId('action-resume').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-ok').click();
    await expect.poll(() => page.getByTestId('action-message').textContent()).toMatch(/resumed/i);
    expect(await run.result({ timeoutMs: 20_000 })).toEqual({ html: XSS });
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('succeeded');
  });

  it('cancels a running run and reruns a finished one from a selected node, each after a confirmation', async () => {
    const app = makeApp();
    const gate = gates();
    const { step, stepAfter } = pipelineTasks(app, gate);
    await app.worker({ concurrency: 4 }).start();
    const { url } = await serve(app, { token: TOKEN });
    const page = await newPage();

    const stuck = await app.submit(chain(step.si('held'), stepAfter.s('never')));
    await page.goto(`${url}/runs/${stuck.id}`);
    await expect.poll(() => unit(page, '0').getAttribute('data-status')).toBe('running');
    await page.getByTestId('action-cancel').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-ok').click();
    await expect.poll(() => page.getByTestId('action-message').textContent()).toMatch(/cancelled/i);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toContain('cancelled');
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('cancelled');
    gate.open('held');

    gate.open('first');
    gate.open('second');
    const done = await app.submit(chain(step.si('first'), stepAfter.s('second')));
    await done.result({ timeoutMs: 20_000 });
    await page.goto(`${url}/runs/${done.id}`);
    await expect.poll(() => unit(page, '1').getAttribute('data-status')).toBe('succeeded');
    await unit(page, '1').click();
    await page.getByTestId('action-rerun').click();
    await page.getByTestId('confirm-ok').click();
    // The token is kept for the session (sessionStorage): no second prompt.
    await expect.poll(() => page.getByTestId('node-panel').getByTestId('action-message').textContent()).toMatch(/rerun/i);
    await expect.poll(async () => (await done.inspect()).reopened).toBe(1);
    await expect.poll(() => page.getByTestId('run-status').textContent()).toContain('succeeded');
    const inspection = await done.inspect();
    // Node 0 kept its one attempt; node 1 ran again.
    expect(inspection.nodes.map((node) => node.attempts)).toEqual([1, 2]);
  });

  it('lists dead letters with their reasons and clears them with the token', async () => {
    const app = makeApp();
    const { probe } = pipelineTasks(app, gates());
    const worker = app.worker();
    await worker.start();
    // Not a celeriac message: the worker dead-letters it (and keeps its text, which holds the probe).
    await app.redis.zadd(app.keys.shards[0]!.queue('default').ready, 0, `garbage ${XSS}`);
    await (await app.submit(probe.si())).result({ timeoutMs: 20_000 });
    await expect.poll(async () => (await app.deadLetters()).total).toBe(1);
    const { url } = await serve(app, { token: TOKEN });
    const page = await newPage();
    await page.goto(`${url}/dead-letters`);
    const row = page.getByTestId('dead-letter-row');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toContain('malformed');
    expect(await row.textContent()).toContain(`garbage ${XSS}`);
    await shot(page, 'dead-letters');
    await page.getByTestId('action-clear').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('token-ok').click();
    await expect.poll(() => page.getByTestId('action-message').textContent()).toMatch(/cleared/i);
    await expect.poll(() => row.count()).toBe(0);
    expect((await app.deadLetters()).total).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('lists a new run on the runs page without a reload, and the actions are off without a token', async () => {
    const app = makeApp();
    const { probe } = pipelineTasks(app, gates());
    const { url } = await serve(app);
    const page = await newPage();
    await page.goto(`${url}/`);
    await expect.poll(() => page.locator('[data-testid="run-row"]').count()).toBe(0);
    const run = await app.submit(probe.si(), { name: 'arrives-later' });
    await expect.poll(() => page.locator(`[data-testid="run-row"][data-run-id="${run.id}"]`).count()).toBe(1);
    await shot(page, 'runs');
    await page.goto(`${url}/runs/${run.id}`);
    await expect.poll(() => unit(page, '0').count()).toBe(1);
    expect(await page.getByTestId('action-resume').count()).toBe(0);
    expect((await fetch(`${url}/api/runs/${run.id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(403);
  });
});
