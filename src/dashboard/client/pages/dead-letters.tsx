// Dead letters: counts by reason, the newest entries, and clearing them (an action: token and
// confirmation). Messages are server text and shown only as text, cut for the table.
import type { DeadLettersPage as DeadLettersPageJson } from '../../api-types.js';
import { ActionMessage, ActionsOff, useAction, useConfig } from '../actions.js';
import { ErrorNote, Link, usePoll } from '../components/common.js';
import { clock, count } from '../format.js';

const CUT = 600;

export function DeadLettersPage() {
  const config = useConfig();
  const { data, error, reload } = usePoll<DeadLettersPageJson & { at?: number }>('dead-letters', { limit: 200 }, 10_000);
  const [outcome, run] = useAction((result) => result.ok && reload());
  return (
    <div class="page">
      <div class="page-head">
        <h1>Dead letters</h1>
        {data && <span class="muted">{count(data.total)} in all</span>}
        <span class="spacer" />
        {config.actions ? (
          <button
            class="btn btn-danger"
            data-testid="action-clear"
            disabled={!data || data.total === 0}
            onClick={() =>
              run({
                title: 'Clear dead letters',
                text: `Delete all ${data ? count(data.total) : ''} dead letters. They cannot be recovered.`,
                ok: 'Clear',
                path: 'dead-letters/clear',
              })
            }
          >
            Clear
          </button>
        ) : (
          <ActionsOff />
        )}
      </div>
      <ActionMessage outcome={outcome} />
      <ErrorNote error={error} />
      {data && (
        <div class="reasons">
          {Object.entries(data.counts).map(([reason, n]) => (
            <span key={reason} class="chip">
              <span class="mono">{reason}</span> <strong>{count(n)}</strong>
            </span>
          ))}
        </div>
      )}
      <table class="table">
        <thead>
          <tr>
            <th>At</th>
            <th>Queue</th>
            <th>Reason</th>
            <th>Run / node</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {data?.entries.map((entry, index) => (
            <tr key={`${entry.at}-${index}`} data-testid="dead-letter-row">
              <td class="nowrap">{clock(entry.at)}</td>
              <td class="mono">{entry.queue}</td>
              <td class="mono nowrap">{entry.reason}</td>
              <td class="mono nowrap">
                {entry.runId !== undefined ? <Link to={`runs/${encodeURIComponent(entry.runId)}`}>{entry.runId}</Link> : '–'}
                {entry.nodeId !== undefined && ` #${entry.nodeId}`}
              </td>
              <td>
                <pre class="code small" title={entry.message.length > CUT ? 'cut: the full message is in Redis' : undefined}>
                  {entry.message.length > CUT ? `${entry.message.slice(0, CUT)}…` : entry.message}
                </pre>
              </td>
            </tr>
          ))}
          {data && data.entries.length === 0 && (
            <tr>
              <td colSpan={5} class="muted empty">
                No dead letters.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
