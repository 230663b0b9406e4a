// Workers: the live ones (their heartbeat is fresh) and the silent ones, polled every 5 s.
import type { WorkerRow, WorkersPage as WorkersPageJson } from '../../api-types.js';
import { ErrorNote, usePoll, useNow } from '../components/common.js';
import { ago, clock } from '../format.js';

export function WorkersPage() {
  const { data, error, skew } = usePoll<WorkersPageJson>('workers', {}, 5000);
  const now = useNow(1000) + skew;
  return (
    <div class="page">
      <div class="page-head">
        <h1>Workers</h1>
        <span class="muted small">refreshed every 5 s</span>
      </div>
      <ErrorNote error={error} />
      <h2>Live {data && <span class="muted">({data.live.length})</span>}</h2>
      <WorkerTable rows={data?.live ?? []} now={now} kind="live" />
      <h2>Silent {data && <span class="muted">({data.silent.length})</span>}</h2>
      <WorkerTable rows={data?.silent ?? []} now={now} kind="silent" />
    </div>
  );
}

function WorkerTable({ rows, now, kind }: { rows: readonly WorkerRow[]; now: number; kind: 'live' | 'silent' }) {
  return (
    <table class="table workers">
      <thead>
        <tr>
          <th>Worker</th>
          <th>Host</th>
          <th class="num">Pid</th>
          <th>Queues</th>
          <th class="num">Concurrency</th>
          <th class="num">In flight</th>
          <th>Started</th>
          <th class="num">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((worker) => (
          <tr key={worker.id} data-testid="worker-row" data-worker-id={worker.id} class={`w-${kind}`}>
            <td class="mono">
              <span class={`dot dot-${kind}`} /> {worker.id}
            </td>
            <td>{worker.host}</td>
            <td class="num">{worker.pid}</td>
            <td class="mono">{worker.queues.join(', ')}</td>
            <td class="num">{worker.concurrency}</td>
            <td class="num">{worker.inFlight}</td>
            <td title={clock(worker.startedAt)}>{ago(worker.startedAt, now)}</td>
            <td class="num" title={clock(worker.lastSeenAt)}>
              {ago(worker.lastSeenAt, now)}
            </td>
          </tr>
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={8} class="muted empty">
              {kind === 'live' ? 'No live workers.' : 'None.'}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
