// The selected node's detail (GET /api/runs/:id/nodes/:node), re-read when its status changes.
// Every value from the server is rendered as Preact text: errors, stacks, args and results may
// hold markup and must stay inert.
import { useEffect, useState } from 'preact/hooks';
import type { EventJson, NodeDetail } from '../../api-types.js';
import { ActionMessage, ActionsOff, useAction, useConfig } from '../actions.js';
import { errorText, getJson } from '../api.js';
import { attemptRows } from '../attempts.js';
import { clock, duration } from '../format.js';
import { StatusBadge } from './common.js';

export interface NodePanelProps {
  readonly runId: string;
  readonly nodeId: string;
  /** The node's live status: a change re-reads the detail. */
  readonly status: string;
  readonly onClose: () => void;
  readonly onSelectNode: (nodeId: string) => void;
  readonly onAction: () => void;
}

function jsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Pretty-prints the server's JSON text when it parses (it may be cut short), else shows it as is. */
function valueText(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function eventLine(event: EventJson): string {
  const parts: string[] = [event.type.replace(/^node\./, '')];
  if (event.attempt !== undefined) parts.push(`attempt ${event.attempt}`);
  if (event.worker !== undefined) parts.push(`on ${event.worker}`);
  if (event.delayMs !== undefined) parts.push(`retry in ${duration(event.delayMs)}`);
  if (event.error !== undefined) parts.push(`${event.error.name}: ${event.error.message}`);
  if (event.type === 'node.progress' && event.progress !== undefined) parts.push(jsonText(event.progress));
  return parts.join(' · ');
}

export function NodePanel({ runId, nodeId, status, onClose, onSelectNode, onAction }: NodePanelProps) {
  const config = useConfig();
  const [detail, setDetail] = useState<NodeDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, run] = useAction((result) => result.ok && onAction());

  useEffect(() => {
    const controller = new AbortController();
    getJson<NodeDetail>(`runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(nodeId)}`, {}, controller.signal).then(
      (data) => {
        setDetail(data);
        setError(null);
      },
      (e: unknown) => !controller.signal.aborted && setError(errorText(e)),
    );
    return () => controller.abort();
  }, [runId, nodeId, status]);

  const d = detail?.id === nodeId ? detail : null;
  // A node queued again after its last start has no delay to show until it starts again.
  const queueDelay = d?.queuedAt !== undefined && d.startedAt !== undefined && d.startedAt >= d.queuedAt ? d.startedAt - d.queuedAt : undefined;
  const took = d?.startedAt !== undefined && d.finishedAt !== undefined ? d.finishedAt - d.startedAt : undefined;
  return (
    <aside class="panel" data-testid="node-panel">
      <div class="panel-head">
        <h2>
          {d ? d.task : 'node'} <span class="muted mono">#{nodeId}</span>
        </h2>
        <button class="btn small" onClick={onClose} title="close">
          ✕
        </button>
      </div>
      {error !== null && <div class="error-note">{error}</div>}
      {d === null ? (
        error === null && <div class="muted">Loading…</div>
      ) : (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={d.status} />
            </dd>
            <dt>Queue</dt>
            <dd class="mono">{d.queue}</dd>
            <dt>Attempts</dt>
            <dd>{d.attempts}</dd>
            <dt>Queued</dt>
            <dd>{clock(d.queuedAt)}</dd>
            <dt>Started</dt>
            <dd>{clock(d.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>{clock(d.finishedAt)}</dd>
            <dt>Queue delay</dt>
            <dd>{duration(queueDelay)}</dd>
            <dt>Duration</dt>
            <dd>{duration(took)}</dd>
            {d.progress !== undefined && (
              <>
                <dt>Progress</dt>
                <dd class="mono">{jsonText(d.progress)}</dd>
              </>
            )}
            <dt>Waits for</dt>
            <dd>
              <NodeLinks ids={d.parents} onSelect={onSelectNode} />
            </dd>
            <dt>Feeds</dt>
            <dd>
              <NodeLinks ids={d.dependants} onSelect={onSelectNode} />
            </dd>
          </dl>
          {config.actions ? (
            <div class="actions">
              <button
                class="btn"
                data-testid="action-rerun"
                onClick={() =>
                  run({
                    title: 'Rerun from this node',
                    text: `Rerun run ${runId} from node #${d.id} (${d.task}): this node and every node after it run again; the nodes before it keep their results.`,
                    ok: 'Rerun',
                    path: `runs/${encodeURIComponent(runId)}/rerun`,
                    body: { from: d.id },
                  })
                }
              >
                Rerun from this node
              </button>
              <ActionMessage outcome={outcome} />
            </div>
          ) : (
            <ActionsOff />
          )}
          {d.error !== undefined && (
            <section>
              <h3>Error</h3>
              <div class="error-title">
                {d.error.name}
                {d.error.code !== undefined ? ` (${d.error.code})` : ''}: {d.error.message}
              </div>
              {d.error.stack !== undefined && <pre class="code" data-testid="error-stack">{d.error.stack}</pre>}
            </section>
          )}
          {d.args !== undefined && (
            <section>
              <h3>Args</h3>
              <pre class="code">{valueText(d.args)}</pre>
            </section>
          )}
          {d.result !== undefined && (
            <section>
              <h3>Result</h3>
              <pre class="code">{valueText(d.result)}</pre>
            </section>
          )}
          {d.truncated && <div class="muted small">Values were cut to a few KiB.</div>}
          {!config.showValues && <div class="muted small">Args and results are hidden by the dashboard's settings.</div>}
          <Attempts detail={d} />
          <section>
            <h3>History</h3>
            {d.history.length === 0 ? (
              <div class="muted small">No events left in the stream for this node.</div>
            ) : (
              <ol class="history">
                {d.history.map((event) => (
                  <li key={event.id}>
                    <span class="mono muted">{clock(event.at).slice(11)}</span> <span class={`tx-${event.type.replace(/^node\./, '')}`}>{eventLine(event)}</span>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </>
      )}
    </aside>
  );
}

function NodeLinks({ ids, onSelect }: { ids: readonly string[]; onSelect: (id: string) => void }) {
  if (ids.length === 0) return <span class="muted">none</span>;
  const shown = ids.slice(0, 12);
  return (
    <span class="node-links">
      {shown.map((id) => (
        <button key={id} class="linkish mono" onClick={() => onSelect(id)}>
          #{id}
        </button>
      ))}
      {ids.length > shown.length && <span class="muted"> and {ids.length - shown.length} more</span>}
    </span>
  );
}

/** One row per attempt: start, queue delay, duration, worker, outcome and error. */
function Attempts({ detail }: { detail: NodeDetail }) {
  const rows = attemptRows(detail);
  if (rows.length === 0) return null;
  return (
    <section>
      <h3>Attempts</h3>
      <table class="attempts" data-testid="attempts">
        <thead>
          <tr>
            <th>#</th>
            <th>started</th>
            <th>waited</th>
            <th>took</th>
            <th>worker</th>
            <th>outcome</th>
          </tr>
        </thead>
        <tbody>
          {rows.flatMap((row) => [
            <tr key={row.attempt}>
              <td>{row.attempt}</td>
              <td class="mono">{row.startedAt === undefined ? '–' : clock(row.startedAt).slice(11)}</td>
              <td>{duration(row.queueDelayMs)}</td>
              <td>{duration(row.durationMs)}</td>
              <td class="mono" title={row.worker}>
                {row.worker === undefined ? '–' : row.worker.slice(-8)}
              </td>
              <td>
                <span class={`tx-${row.outcome}`}>{row.outcome}</span>
              </td>
            </tr>,
            // The error on a row of its own: a long message would squeeze the times into wrapping.
            row.error !== undefined && (
              <tr key={`${row.attempt}-error`} class="attempt-error">
                <td />
                <td colSpan={5}>{`${row.error.name}: ${row.error.message}`}</td>
              </tr>
            ),
          ])}
        </tbody>
      </table>
    </section>
  );
}
