// The run as a waterfall: one bar per drawn unit from its first start to its last finish (or now
// while it runs), in start order, coloured by status. A group's bar spans its members.
import type { LiveView } from '../live-view.js';
import { count, duration } from '../format.js';

export interface TimelineProps {
  readonly live: LiveView;
  readonly version: number;
  readonly now: number;
  readonly selected: string | null;
  readonly onSelect: (unitId: string) => void;
}

export function Timeline({ live, now, selected, onSelect }: TimelineProps) {
  const rows = live.units.map((unit, u) => {
    const status0 = live.statusOfUnit(u);
    // A node queued again (resumed, retried) keeps its last start: it has no bar until it runs again.
    const start = unit.kind === 'node' && (status0 === 'pending' || status0 === 'queued' || status0 === 'delayed') ? NaN : live.startedAt[u]!;
    const finish = live.finishedAt[u]!;
    const status = status0;
    const open = status === 'running' || status === 'queued' || status === 'delayed' || (unit.kind === 'group' && status !== 'succeeded' && status !== 'failed' && status !== 'cancelled');
    const end = Number.isNaN(start) ? NaN : open || Number.isNaN(finish) ? Math.max(now, start) : finish;
    return { unit, status, start, end };
  });
  const started = rows.filter((row) => !Number.isNaN(row.start)).sort((a, b) => a.start - b.start);
  const waiting = rows.filter((row) => Number.isNaN(row.start));
  const t0 = Math.min(live.run.createdAt, ...started.map((row) => row.start));
  const t1 = Math.max(t0 + 1, ...started.map((row) => row.end), live.run.finishedAt ?? now);
  const span = t1 - t0;
  const ticks = Array.from({ length: 6 }, (_, i) => (span * i) / 5);
  const label = (row: (typeof rows)[number]): string => (row.unit.kind === 'group' ? `${row.unit.task} ×${count(row.unit.size)}` : `${row.unit.node.task} #${row.unit.id}`);
  return (
    <div class="timeline" data-testid="timeline">
      <div class="tl-row tl-axis">
        <div class="tl-label muted small">unit</div>
        <div class="tl-track">
          {ticks.map((tick, i) => (
            <span key={i} class="tl-tick" style={{ left: `${(100 * tick) / span}%` }}>
              {duration(tick)}
            </span>
          ))}
        </div>
      </div>
      {[...started, ...waiting].map((row) => (
        <div key={row.unit.id} class={selected === row.unit.id ? 'tl-row selected' : 'tl-row'} onClick={() => onSelect(row.unit.id)} data-testid="timeline-row" data-unit-id={row.unit.id}>
          <div class="tl-label" title={label(row)}>
            {label(row)}
          </div>
          <div class="tl-track">
            {!Number.isNaN(row.start) ? (
              <span
                class={`tl-bar st-${row.status}`}
                style={{ left: `${(100 * (row.start - t0)) / span}%`, width: `max(2px, ${(100 * (row.end - row.start)) / span}%)` }}
                title={`${row.status}, ${duration(row.end - row.start)}`}
              />
            ) : (
              <span class="muted small tl-none">{row.status}</span>
            )}
          </div>
          <div class="tl-dur small muted">{Number.isNaN(row.start) ? '' : duration(row.end - row.start)}</div>
        </div>
      ))}
    </div>
  );
}
