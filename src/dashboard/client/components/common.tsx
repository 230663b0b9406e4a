// Small pieces every page shares: status badges and count bars (one colour per status everywhere),
// links inside the app, a ticking clock for "x ago", and a poller for the pages without events.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { STATUS_NAMES } from '../../api-types.js';
import { errorText, getJson, type Query } from '../api.js';
import { count } from '../format.js';
import { DISPLAY_ORDER } from '../live-view.js';
import { href, onLinkClick } from '../router.js';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge st-${status}`}>{status}</span>;
}

export function Link({ to, children, class: className, title }: { to: string; children: ComponentChildren; class?: string; title?: string }) {
  return (
    <a href={href(to)} class={className} title={title} onClick={(event) => onLinkClick(event, to)}>
      {children}
    </a>
  );
}

/** A stacked bar of node counts by status (indexed as STATUS_NAMES), with the non-zero counts spelled out beside it. */
export function CountsBar({ counts, total, labels = true }: { counts: ArrayLike<number>; total: number; labels?: boolean }) {
  const parts = DISPLAY_ORDER.map((index) => ({ status: STATUS_NAMES[index] ?? 'pending', n: counts[index] ?? 0 })).filter((part) => part.n > 0);
  const title = parts.map((part) => `${count(part.n)} ${part.status}`).join(', ');
  return (
    <span class="counts" title={title}>
      <span class="counts-bar">
        {parts.map((part) => (
          <span key={part.status} class={`seg st-${part.status}`} style={{ width: `${total > 0 ? (100 * part.n) / total : 0}%` }} />
        ))}
      </span>
      {labels && (
        <span class="counts-text">
          {parts.map((part) => (
            <span key={part.status} class={`chip-text tx-${part.status}`}>
              {count(part.n)} {part.status}
            </span>
          ))}
        </span>
      )}
    </span>
  );
}

/** Re-renders every `ms` so that "x ago" and running durations move. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export interface Polled<T> {
  readonly data: T | null;
  readonly error: string | null;
  /** Server clock minus ours, from the page's `at`, so ages use Redis's clock. */
  readonly skew: number;
  readonly reload: () => void;
}

/** GETs a route now and every `everyMs` (queues and workers have no events; these pages are small). */
export function usePoll<T extends { at?: number }>(path: string, query: Query, everyMs: number): Polled<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; skew: number }>({ data: null, error: null, skew: 0 });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(query);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    const controller = new AbortController();
    const load = (): void => {
      getJson<T>(path, query, controller.signal).then(
        (data) => alive.current && setState({ data, error: null, skew: data.at !== undefined ? data.at - Date.now() : 0 }),
        (error: unknown) => alive.current && !controller.signal.aborted && setState((old) => ({ ...old, error: errorText(error) })),
      );
    };
    load();
    const timer = everyMs > 0 ? setInterval(load, everyMs) : undefined;
    return () => {
      alive.current = false;
      controller.abort();
      clearInterval(timer);
    };
    // The query is compared by its JSON text, so a new object with the same values does not refetch.
  }, [path, key, everyMs, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function ErrorNote({ error }: { error: string | null }) {
  if (error === null) return null;
  return <div class="error-note">{error}</div>;
}
