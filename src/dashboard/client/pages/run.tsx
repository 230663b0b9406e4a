// One run: its DAG (or timeline) kept live by /api/events?run=…&after=<view.after>. Events mutate
// the LiveView's arrays in place and one animation frame re-renders them, so a burst of thousands
// of events costs O(1) each plus a frame. A node outside the view (a dynamic node) refetches the
// view; a finished run closes its stream (it is never polled).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunView } from '../../api-types.js';
import { ActionMessage, ActionsOff, useAction, useConfig } from '../actions.js';
import { errorText, getJson, openEvents } from '../api.js';
import { ErrorNote, Link, StatusBadge, useNow } from '../components/common.js';
import { Dag } from '../components/dag.js';
import { layoutUnits, type Layout } from '../components/dag-layout.js';
import { GroupPanel } from '../components/group-panel.js';
import { NodePanel } from '../components/node-panel.js';
import { Timeline } from '../components/timeline.js';
import { ago, clock, count, duration } from '../format.js';
import { LiveView } from '../live-view.js';

/** The shortest time between two repaints of a live run (a change still shows well within a second). */
const PAINT_INTERVAL_MS = 250;

interface Loaded {
  readonly live: LiveView;
  readonly layout: Layout;
  /** The expansion this view was read with: the drawing is refitted when it changes. */
  readonly expandKey: string;
}

export function RunPage({ runId }: { runId: string }) {
  const config = useConfig();
  const [expand, setExpand] = useState<readonly string[]>([]);
  const [reloads, setReloads] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [connected, setConnected] = useState(false);
  // The tab and the selected node live in the query (?tab=timeline&node=3): a link shows the same.
  const initial = new URLSearchParams(location.search);
  const [tab, setTab] = useState<'graph' | 'timeline'>(initial.get('tab') === 'timeline' ? 'timeline' : 'graph');
  const [selection, setSelection] = useState<{ unit: string | null; node: string | null }>({ unit: initial.get('unit'), node: initial.get('node') });
  useEffect(() => {
    const query = new URLSearchParams();
    if (tab !== 'graph') query.set('tab', tab);
    if (selection.node !== null) query.set('node', selection.node);
    else if (selection.unit !== null) query.set('unit', selection.unit);
    const search = query.toString();
    // An absolute path: a <base href> would resolve a bare query against the base path.
    history.replaceState(history.state, '', location.pathname + (search ? `?${search}` : ''));
  }, [tab, selection.unit, selection.node]);
  const frame = useRef(0);
  const expandKey = expand.join(',');
  const reload = (): void => setReloads((n) => n + 1);
  const [outcome, run] = useAction((result) => result.ok && reload());
  // The server draws at most 500 members per expansion and leaves the rest as a group of its own.
  const expandGroup = (groupId: string): void => setExpand((old) => (old.includes(groupId) ? old : [...old, groupId]));

  useEffect(() => {
    const controller = new AbortController();
    getJson<RunView>(`runs/${encodeURIComponent(runId)}/view`, { expand: expandKey }, controller.signal).then(
      (view) => {
        const live = new LiveView(view);
        setLoaded({ live, layout: layoutUnits(live.units, live.edges), expandKey });
        setError(null);
      },
      (e: unknown) => !controller.signal.aborted && setError(errorText(e)),
    );
    return () => controller.abort();
  }, [runId, expandKey, reloads]);

  const live = loaded?.live ?? null;
  useEffect(() => {
    if (live === null || live.finished) {
      setConnected(false);
      return;
    }
    let refetch: ReturnType<typeof setTimeout> | undefined;
    const later = (): void => {
      clearTimeout(refetch);
      refetch = setTimeout(reload, 400);
    };
    // At most PAINT_INTERVAL_MS apart: during a wide fan-out events arrive all the time, and a
    // repaint per frame costs the page (and a machine with a worker on it) far more than the eye gains.
    let lastPaint = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const paint = (): void => {
      if (frame.current !== 0 || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        frame.current = requestAnimationFrame(() => {
          frame.current = 0;
          lastPaint = performance.now();
          setVersion((v) => v + 1);
        });
      }, Math.max(0, lastPaint + PAINT_INTERVAL_MS - performance.now()));
    };
    let close = (): void => undefined;
    close = openEvents(
      { run: runId, after: live.after },
      {
        onEvents: (events) => {
          let changed = false;
          let refetchView = false;
          for (const event of events) {
            if (event.runId !== runId) continue;
            const result = live.apply(event);
            if (result === 'unknown-node' || event.type === 'run.reopened' || event.type === 'node.expanded') refetchView = true;
            else if (result !== 'unchanged') changed = true;
          }
          if (refetchView) later();
          else if (changed) paint();
          if (live.finished) {
            close();
            setConnected(false);
          }
        },
        onOpen: setConnected,
        // A fresh view brings a fresh stream position.
        onGone: reload,
      },
    );
    return () => {
      clearTimeout(refetch);
      clearTimeout(timer);
      cancelAnimationFrame(frame.current);
      frame.current = 0;
      close();
    };
  }, [live, runId]);

  const finished = live?.finished ?? true;
  const now = useNow(finished ? 60_000 : 1000);
  const layout = loaded?.layout ?? null;

  if (live === null || layout === null) {
    return (
      <div class="page">
        <ErrorNote error={error} />
        {error === null && <div class="muted">Loading run…</div>}
      </div>
    );
  }
  const header = live.run;
  const select = (unitId: string): void => {
    const unit = live.units[live.unitIndex.get(unitId) ?? -1];
    setSelection({ unit: unitId, node: unit?.kind === 'node' ? unit.id : null });
  };
  const selectNode = (nodeId: string): void => {
    const u = live.nodeUnit[Number(nodeId)];
    setSelection({ unit: u !== undefined && u >= 0 ? (live.units[u]?.id ?? null) : null, node: nodeId });
  };
  // A node opened by a link (?node=) is highlighted through the unit that draws it.
  const nodeUnit = selection.node === null ? -1 : (live.nodeUnit[Number(selection.node)] ?? -1);
  const highlighted = selection.unit ?? (nodeUnit >= 0 ? (live.units[nodeUnit]?.id ?? null) : null);
  const selectedUnit = highlighted === null ? undefined : live.units[live.unitIndex.get(highlighted) ?? -1];
  const nodeCount = live.codes.length;

  return (
    <div class="page run-page">
      <div class="run-head">
        <div class="crumbs">
          <Link to="">Runs</Link> / <span class="mono">{header.id}</span>
        </div>
        <div class="run-title">
          <h1>{header.name || '(unnamed run)'}</h1>
          <span data-testid="run-status">
            <StatusBadge status={header.status} />
          </span>
          <span class={connected ? 'live on' : 'live'} title={finished ? 'finished: no live updates needed' : connected ? 'receiving events' : 'connecting'}>
            {finished ? 'final' : connected ? 'live' : 'connecting'}
          </span>
          <span class="spacer" />
          {config.actions ? (
            <span class="actions">
              {(header.status === 'failed' || header.status === 'cancelled') && (
                <button
                  class="btn btn-primary"
                  data-testid="action-resume"
                  onClick={() =>
                    run({
                      title: 'Resume run',
                      text: `Resume run ${header.id} (${header.name}): its failed and cancelled nodes are queued again; succeeded nodes keep their results.`,
                      ok: 'Resume',
                      path: `runs/${encodeURIComponent(header.id)}/resume`,
                    })
                  }
                >
                  Resume
                </button>
              )}
              {header.status === 'running' && (
                <button
                  class="btn btn-danger"
                  data-testid="action-cancel"
                  onClick={() =>
                    run({
                      title: 'Cancel run',
                      text: `Cancel run ${header.id} (${header.name}): nodes not yet finished are cancelled and no new node starts. Running attempts are asked to stop.`,
                      ok: 'Cancel run',
                      path: `runs/${encodeURIComponent(header.id)}/cancel`,
                    })
                  }
                >
                  Cancel
                </button>
              )}
            </span>
          ) : (
            <ActionsOff />
          )}
        </div>
        <ActionMessage outcome={outcome} />
        <div class="run-facts">
          <span>
            {count(nodeCount)} nodes · {live.units.length} drawn
          </span>
          <span title={clock(header.createdAt)}>created {ago(header.createdAt, now)}</span>
          <span>duration {duration((header.finishedAt ?? now) - header.createdAt)}</span>
          {header.reopened > 0 && <span>reopened {header.reopened}×</span>}
          {header.failedNode !== undefined && (
            <span>
              failed at{' '}
              <button class="linkish mono" onClick={() => selectNode(header.failedNode ?? '')}>
                #{header.failedNode}
              </button>
            </span>
          )}
          {header.expiresAt !== undefined && <span title={clock(header.expiresAt)}>expires {clock(header.expiresAt)}</span>}
        </div>
        <ErrorNote error={error} />
      </div>
      <div class="tabs">
        <button class={tab === 'graph' ? 'tab active' : 'tab'} data-testid="tab-graph" onClick={() => setTab('graph')}>
          Graph
        </button>
        <button class={tab === 'timeline' ? 'tab active' : 'tab'} data-testid="tab-timeline" onClick={() => setTab('timeline')}>
          Timeline
        </button>
        {expand.length > 0 && (
          <button class="btn small" onClick={() => setExpand([])}>
            Collapse groups
          </button>
        )}
      </div>
      <div class="run-body">
        <div class="run-main">
          {tab === 'graph' ? (
            <Dag live={live} layout={layout} version={version} fitKey={`${runId}|${loaded?.expandKey ?? ''}|${nodeCount}`} now={now} selected={highlighted} onSelect={select} onExpand={expandGroup} />
          ) : (
            <Timeline live={live} version={version} now={now} selected={highlighted} onSelect={select} />
          )}
        </div>
        {selection.node !== null ? (
          <NodePanel
            runId={runId}
            nodeId={selection.node}
            status={live.statusOfNode(Number(selection.node))}
            onClose={() => setSelection({ unit: null, node: null })}
            onSelectNode={selectNode}
            onAction={reload}
          />
        ) : selectedUnit?.kind === 'group' ? (
          <GroupPanel live={live} unit={selectedUnit} version={version} onSelectNode={selectNode} onExpand={expandGroup} onClose={() => setSelection({ unit: null, node: null })} />
        ) : null}
      </div>
    </div>
  );
}
