// The dashboard's browser entry: reads /api/config once, then routes between the pages.
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { DashboardConfig } from '../api-types.js';
import { ConfigContext } from './actions.js';
import { errorText, getJson } from './api.js';
import { Link } from './components/common.js';
import { ModalHost } from './components/modal.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { QueuesPage } from './pages/queues.js';
import { RunPage } from './pages/run.js';
import { RunsPage } from './pages/runs.js';
import { WorkersPage } from './pages/workers.js';
import { parseRoute, useLocation, type Route } from './router.js';

const NAV = [
  { page: 'runs', to: '', label: 'Runs' },
  { page: 'queues', to: 'queues', label: 'Queues' },
  { page: 'workers', to: 'workers', label: 'Workers' },
  { page: 'dead-letters', to: 'dead-letters', label: 'Dead letters' },
] as const;

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'runs':
      return <RunsPage />;
    case 'run':
      return <RunPage key={route.runId} runId={route.runId} />;
    case 'queues':
      return <QueuesPage />;
    case 'workers':
      return <WorkersPage />;
    case 'dead-letters':
      return <DeadLettersPage />;
    case 'missing':
      return <div class="page">No page at “{route.path}”.</div>;
    default: {
      const never: never = route;
      return never;
    }
  }
}

function App() {
  const { pathname } = useLocation();
  const route = parseRoute(pathname);
  const [config, setConfig] = useState<DashboardConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<DashboardConfig>('config').then(setConfig, (e: unknown) => setError(errorText(e)));
  }, []);
  const active = route.page === 'run' ? 'runs' : route.page;
  return (
    <ConfigContext.Provider value={config ?? { actions: false, showValues: false, prefix: '', version: '' }}>
      <header class="topbar">
        <Link to="" class="brand">
          celeriac
        </Link>
        {config && (
          <span class="prefix" title="Redis key prefix">
            {config.prefix}
          </span>
        )}
        <nav>
          {NAV.map((item) => (
            <Link key={item.page} to={item.to} class={active === item.page ? 'nav active' : 'nav'}>
              {item.label}
            </Link>
          ))}
        </nav>
        <span class="spacer" />
        {config && <span class="muted small">v{config.version}</span>}
      </header>
      <main>
        {error !== null ? <div class="error-note">Cannot reach the dashboard's API: {error}</div> : config === null ? <div class="page muted">Loading…</div> : <Page route={route} />}
      </main>
      <ModalHost />
    </ConfigContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
