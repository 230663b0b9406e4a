import type { App, RunSummary } from '../../app.js';
import { ConfigError } from '../../errors/index.js';
import { runCursor } from '../../store/run-store.js';
import { RUN_STATUS_NAMES, type RunRow, type RunsPage, type RunStatusName, type RunView } from '../api-types.js';
import type { RequestContext } from '../context.js';
import { badRequest } from '../http.js';
import { intParam, runIdParam, stringParam } from '../params.js';
import { buildRunView, withErrorEdges, withItemEdges } from '../run-view.js';
import { progressUnlessGone } from '../../run/progress-unless-gone.js';

/** Runs read per page while looking for names that match. */
const NAME_SCAN_PAGE = 200;
/** Pages read at most for one answer: past them, the cursor lets the page ask for more. */
const NAME_SCAN_PAGES = 10;
/** Most expand ids in one request. */
const MAX_EXPAND = 100;

function statusParam(url: URL): RunStatusName | undefined {
  const status = stringParam(url, 'status');
  if (status === undefined) return undefined;
  if (!(RUN_STATUS_NAMES as readonly string[]).includes(status)) throw badRequest('status', `must be one of ${RUN_STATUS_NAMES.join(', ')}`);
  return status as RunStatusName;
}

async function listPage(app: App, options: { status?: RunStatusName; limit: number; cursor?: string }) {
  try {
    return await app.listRuns(options);
  } catch (error) {
    // The only option a page can get wrong is the cursor (the others are checked above).
    if (error instanceof ConfigError) throw badRequest('cursor', 'must be a cursor returned by a previous page');
    throw error;
  }
}

/** Runs whose name contains `name` (ignoring case), read page after page (listRuns cannot filter by name), at most `limit`. */
async function matchingRuns(app: App, name: string, status: RunStatusName | undefined, limit: number, cursor: string | undefined) {
  const found: RunSummary[] = [];
  const wanted = name.toLowerCase();
  let next = cursor;
  for (let page = 0; page < NAME_SCAN_PAGES; page++) {
    const list = await listPage(app, { limit: NAME_SCAN_PAGE, ...(status ? { status } : {}), ...(next ? { cursor: next } : {}) });
    for (const run of list.runs) {
      if (!run.name.toLowerCase().includes(wanted)) continue;
      found.push(run);
      // Stopped inside the page: continue right after this run, not after the page.
      if (found.length === limit) return { runs: found, cursor: runCursor(run.createdAt.getTime(), run.id) };
    }
    if (list.cursor === null) return { runs: found, cursor: null };
    next = list.cursor;
  }
  return { runs: found, cursor: next ?? null };
}

/** GET /api/runs?status=&name=&cursor=&limit= */
export async function listRuns({ app, url }: RequestContext): Promise<RunsPage> {
  const status = statusParam(url);
  const name = stringParam(url, 'name');
  const cursor = stringParam(url, 'cursor', 200);
  const limit = intParam(url, 'limit', 1, 200, 50);
  const at = (await app.time()).getTime();
  const page =
    name === undefined
      ? await listPage(app, { limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) })
      : await matchingRuns(app, name, status, limit, cursor);
  const progress = await Promise.all(page.runs.map((run) => progressUnlessGone(app, run.id)));
  const runs: RunRow[] = [];
  page.runs.forEach((run, index) => {
    const counts = progress[index];
    if (!counts) return; // expired or deleted since it was listed
    runs.push({
      id: run.id,
      name: run.name,
      status: counts.status,
      createdAt: run.createdAt.getTime(),
      ...(counts.finishedAt ? { finishedAt: counts.finishedAt.getTime() } : {}),
      nodeCount: run.nodeCount,
      counts: counts.counts,
    });
  });
  return { runs, cursor: page.cursor, at };
}

function expandParam(url: URL): Set<string> {
  const text = stringParam(url, 'expand', 20 * MAX_EXPAND);
  if (text === undefined) return new Set();
  const ids = text.split(',').filter((id) => id !== '');
  if (ids.length > MAX_EXPAND || ids.some((id) => !/^g\d{1,9}$/.test(id))) {
    throw badRequest('expand', `must be at most ${MAX_EXPAND} group ids such as g12, separated by commas`);
  }
  return new Set(ids);
}

/** GET /api/runs/:id/view?expand= */
export async function runView({ app, url, params }: RequestContext): Promise<RunView> {
  const runId = runIdParam(params.id);
  const expand = expandParam(url);
  // Read before inspecting: an event between the two is then sent again (harmless: statuses are
  // set, not counted) rather than lost.
  const after = await app.eventPosition();
  const inspection = await app.getRun(runId).inspect();
  const graph = buildRunView(withErrorEdges(withItemEdges(inspection.nodes)), { expand });
  return {
    run: {
      id: inspection.id,
      name: inspection.name,
      status: inspection.status,
      createdAt: inspection.createdAt.getTime(),
      ...(inspection.finishedAt ? { finishedAt: inspection.finishedAt.getTime() } : {}),
      ...(inspection.failedNode !== undefined ? { failedNode: inspection.failedNode } : {}),
      reopened: inspection.reopened,
      ...(inspection.expiresAt ? { expiresAt: inspection.expiresAt.getTime() } : {}),
    },
    statuses: graph.statuses,
    units: graph.units,
    edges: graph.edges,
    after,
  };
}
