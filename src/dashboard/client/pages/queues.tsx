// Queues: counts and the oldest ready message's age, and a throughput chart per queue. Queues
// have no events, so this small page is polled every 5 s.
import type { QueuesPage as QueuesPageJson } from '../../api-types.js';
import { ThroughputChart } from '../components/chart.js';
import { ErrorNote, usePoll } from '../components/common.js';
import { count, duration } from '../format.js';

export function QueuesPage() {
  const { data, error } = usePoll<QueuesPageJson>('queues', {}, 5000);
  return (
    <div class="page">
      <div class="page-head">
        <h1>Queues</h1>
        <span class="muted small">refreshed every 5 s</span>
      </div>
      <ErrorNote error={error} />
      <table class="table">
        <thead>
          <tr>
            <th>Queue</th>
            <th class="num">Ready</th>
            <th class="num">Delayed</th>
            <th class="num">Leased</th>
            <th class="num">Oldest ready</th>
            <th class="num">Succeeded / failed (window)</th>
          </tr>
        </thead>
        <tbody>
          {data?.queues.map((queue) => {
            const ok = queue.throughput.reduce((sum, p) => sum + p.succeeded, 0);
            const failed = queue.throughput.reduce((sum, p) => sum + p.failed, 0);
            return (
              <tr key={queue.name} data-testid="queue-row" data-queue={queue.name}>
                <td class="mono">{queue.name}</td>
                <td class="num">{count(queue.ready)}</td>
                <td class="num">{count(queue.delayed)}</td>
                <td class="num">{count(queue.leased)}</td>
                <td class="num">{queue.oldestReadyAgeMs === null ? '–' : duration(queue.oldestReadyAgeMs)}</td>
                <td class="num">
                  <span class="tx-succeeded">{count(ok)}</span> / <span class={failed > 0 ? 'tx-failed' : 'muted'}>{count(failed)}</span>
                </td>
              </tr>
            );
          })}
          {data && data.queues.length === 0 && (
            <tr>
              <td colSpan={6} class="muted empty">
                No queues yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="charts">
        {data?.queues.map((queue) => (
          <div class="card" key={queue.name}>
            <div class="card-title">
              <span class="mono">{queue.name}</span> <span class="muted small">per {duration(queue.bucketMs)}</span>
            </div>
            <ThroughputChart points={queue.throughput} />
          </div>
        ))}
      </div>
    </div>
  );
}
