// Runs, newest first. New runs appear without a reload: run.* events refetch the first page
// (debounced), and node events refresh the counts at most every 2 s while a page is shown.
import { useEffect, useRef, useState } from 'preact/hooks';
import { RUN_STATUS_NAMES, STATUS_NAMES, type RunsPage as RunsPageJson } from '../../api-types.js';
import { errorText, getJson, openEvents } from '../api.js';
import { CountsBar, ErrorNote, Link, StatusBadge, useNow } from '../components/common.js';
import { ago, count, duration } from '../format.js';
import { navigate, useLocation } from '../router.js';

const LIMIT = 50;

export function RunsPage() {
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const name = search.get('name') ?? '';
  const cursor = search.get('cursor') ?? '';
  const [page, setPage] = useState<{ data: RunsPageJson; skew: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nameInput, setNameInput] = useState(name);
  const [live, setLive] = useState(false);
  const [tick, setTick] = useState(0);
  // Bumped to open a new event stream when the browser gave up on the last one.
  const [streams, setStreams] = useState(0);
  // Cursors of the pages before this one, for "newer".
  const back = useRef<string[]>([]);
  const now = useNow(5000);

  useEffect(() => {
    const controller = new AbortController();
    getJson<RunsPageJson>('runs', { status, name, cursor, limit: LIMIT }, controller.signal).then(
      (data) => {
        setPage({ data, skew: data.at - Date.now() });
        setError(null);
      },
      (e: unknown) => !controller.signal.aborted && setError(errorText(e)),
    );
    return () => controller.abort();
  }, [status, name, cursor, tick]);

  // Only the first page moves when runs start; later pages keep still while being read.
  useEffect(() => {
    if (cursor !== '') return;
    let debounce: ReturnType<typeof setTimeout> | undefined;
    let lastCounts = 0;
    const refetch = (ms: number): void => {
      clearTimeout(debounce);
      debounce = setTimeout(() => setTick((t) => t + 1), ms);
    };
    const close = openEvents(
      {},
      {
        onEvents: (events) => {
          if (events.some((event) => event.type.startsWith('run.'))) refetch(300);
          else if (Date.now() - lastCounts > 2000) {
            lastCounts = Date.now();
            refetch(300);
          }
        },
        // Read the list again once the stream is open: a run submitted between the first read
        // and the subscription sends its run.submitted before this page listens.
        onOpen: (open) => {
          setLive(open);
          if (open) refetch(0);
        },
        onGone: () => {
          setStreams((n) => n + 1);
          refetch(0);
        },
      },
    );
    return () => {
      clearTimeout(debounce);
      close();
    };
  }, [cursor, streams]);

  const go = (next: { status?: string; name?: string; cursor?: string }): void => {
    const params = new URLSearchParams();
    const s = next.status ?? status;
    const n = next.name ?? name;
    if (s) params.set('status', s);
    if (n) params.set('name', n);
    if (next.cursor) params.set('cursor', next.cursor);
    const query = params.toString();
    navigate(query ? `runs?${query}` : '');
  };

  const serverNow = now + (page?.skew ?? 0);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Runs</h1>
        <span class={live ? 'live on' : 'live'} title={live ? 'receiving events' : 'not connected'}>
          {live ? 'live' : 'offline'}
        </span>
        <span class="spacer" />
        <form
          class="filters"
          onSubmit={(event) => {
            event.preventDefault();
            back.current = [];
            go({ name: nameInput, cursor: '' });
          }}
        >
          <select
            class="input"
            value={status}
            data-testid="filter-status"
            onChange={(event) => {
              back.current = [];
              go({ status: event.currentTarget.value, cursor: '' });
            }}
          >
            <option value="">all statuses</option>
            {RUN_STATUS_NAMES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <input class="input" placeholder="name" value={nameInput} data-testid="filter-name" onInput={(event) => setNameInput(event.currentTarget.value)} />
          <button class="btn" type="submit">
            Filter
          </button>
        </form>
      </div>
      <ErrorNote error={error} />
      <table class="table runs">
        <thead>
          <tr>
            <th>Status</th>
            <th>Name</th>
            <th>Run id</th>
            <th class="num">Nodes</th>
            <th>By state</th>
            <th class="num">Duration</th>
            <th class="num">Created</th>
          </tr>
        </thead>
        <tbody>
          {page?.data.runs.map((run) => (
            <tr key={run.id} data-testid="run-row" data-run-id={run.id} data-status={run.status}>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td class="name">
                <Link to={`runs/${encodeURIComponent(run.id)}`}>{run.name || '(unnamed)'}</Link>
              </td>
              <td class="mono muted">{run.id}</td>
              <td class="num">{count(run.nodeCount)}</td>
              <td>
                <CountsBar counts={STATUS_NAMES.map((status) => run.counts[status])} total={run.nodeCount} />
              </td>
              <td class="num">{duration((run.finishedAt ?? serverNow) - run.createdAt)}</td>
              <td class="num" title={new Date(run.createdAt).toISOString()}>
                {ago(run.createdAt, serverNow)}
              </td>
            </tr>
          ))}
          {page && page.data.runs.length === 0 && (
            <tr>
              <td colSpan={7} class="muted empty">
                No runs{status || name ? ' match this filter' : ' yet'}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="pager">
        <button
          class="btn"
          disabled={cursor === ''}
          onClick={() => {
            const previous = back.current.pop();
            go({ cursor: previous ?? '' });
          }}
        >
          ← Newer
        </button>
        <button
          class="btn"
          disabled={!page?.data.cursor}
          data-testid="next-page"
          onClick={() => {
            if (!page?.data.cursor) return;
            back.current.push(cursor);
            go({ cursor: page.data.cursor });
          }}
        >
          Older →
        </button>
      </div>
    </div>
  );
}
