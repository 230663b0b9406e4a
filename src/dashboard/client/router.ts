// History-API routing under the dashboard's base path: the dashboard may be mounted at /celeriac/.
// The server names the base in <meta name="celeriac-base">; failing that a <base href>, else the
// folder app.js was loaded from.
import { useEffect, useState } from 'preact/hooks';

function computeBase(): string {
  const meta = document.querySelector('meta[name="celeriac-base"]')?.getAttribute('content');
  const base = document.querySelector('base');
  const path = meta ? new URL(meta, location.origin).pathname : base ? new URL(base.href).pathname : new URL('.', import.meta.url).pathname;
  return path.endsWith('/') ? path : `${path}/`;
}

export const basePath = computeBase();

export type Route =
  | { readonly page: 'runs' }
  | { readonly page: 'run'; readonly runId: string }
  | { readonly page: 'queues' }
  | { readonly page: 'workers' }
  | { readonly page: 'dead-letters' }
  | { readonly page: 'missing'; readonly path: string };

export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname.replace(/^\//, '');
  const parts = rest.split('/').filter((part) => part !== '');
  const [first, second] = parts;
  if (first === undefined || (first === 'runs' && second === undefined)) return { page: 'runs' };
  if (first === 'runs' && second !== undefined) return { page: 'run', runId: decodeURIComponent(second) };
  if (first === 'queues') return { page: 'queues' };
  if (first === 'workers') return { page: 'workers' };
  if (first === 'dead-letters') return { page: 'dead-letters' };
  return { page: 'missing', path: rest };
}

/** An app path ('runs/abc') as an href under the base path. */
export function href(path: string): string {
  return basePath + path.replace(/^\//, '');
}

const NAVIGATED = 'celeriac:navigate';

export function navigate(path: string, replace = false): void {
  const url = href(path);
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current location, re-read on back/forward and on navigate(). */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const update = (): void => setTick((tick) => tick + 1);
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return { pathname: location.pathname, search: new URLSearchParams(location.search) };
}

/** Left clicks stay in the page; modified clicks (new tab) keep the browser's behaviour. */
export function onLinkClick(event: MouseEvent, path: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(path);
}
