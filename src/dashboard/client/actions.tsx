// Actions (resume, rerun, cancel, clear): confirm, then POST with the bearer token. The token is
// asked once and kept in sessionStorage, never a cookie, so a cross-site request cannot carry it.
import { createContext } from 'preact';
import { useContext, useState } from 'preact/hooks';
import type { ActionResult, DashboardConfig } from '../api-types.js';
import { ApiFailure, errorText, postAction } from './api.js';
import { askConfirm, askToken } from './components/modal.js';

export const ConfigContext = createContext<DashboardConfig>({ actions: false, showValues: false, prefix: '', version: '' });
export const useConfig = (): DashboardConfig => useContext(ConfigContext);

const TOKEN_KEY = 'celeriac.dashboard.token';

function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token is asked again next time.
  }
}

export interface ActionSpec {
  /** The confirmation's title and its sentence naming what will happen. */
  readonly title: string;
  readonly text: string;
  readonly ok: string;
  readonly path: string;
  readonly body?: object;
}

export interface ActionOutcome {
  readonly ok: boolean;
  readonly message: string;
  readonly result?: ActionResult;
}

/** Runs an action end to end; resolves to null when the user backed out. */
export async function runAction(spec: ActionSpec): Promise<ActionOutcome | null> {
  if (!(await askConfirm(spec.title, spec.text, spec.ok))) return null;
  let token = storedToken();
  if (token === null) {
    token = await askToken('Actions need the token the dashboard was started with. It is kept in this tab only.');
    if (token === null) return null;
    storeToken(token);
  }
  try {
    const result = await postAction(spec.path, token, spec.body);
    return { ok: true, message: result.message, result };
  } catch (error) {
    // A refused token is forgotten so that the next action asks again.
    if (error instanceof ApiFailure && (error.status === 401 || error.status === 403)) storeToken(null);
    return { ok: false, message: errorText(error) };
  }
}

/** An action's last outcome, shown beside its buttons, and the runner that sets it. */
export function useAction(after?: (outcome: ActionOutcome) => void): [ActionOutcome | null, (spec: ActionSpec) => void] {
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const run = (spec: ActionSpec): void => {
    runAction(spec).then(
      (result) => {
        if (result === null) return;
        setOutcome(result);
        after?.(result);
      },
      (error: unknown) => setOutcome({ ok: false, message: errorText(error) }),
    );
  };
  return [outcome, run];
}

export function ActionMessage({ outcome }: { outcome: ActionOutcome | null }) {
  if (outcome === null) return null;
  return (
    <div class={outcome.ok ? 'action-message ok' : 'action-message err'} data-testid="action-message" role="status">
      {outcome.message}
    </div>
  );
}

export function ActionsOff() {
  return <span class="muted actions-off">actions are off: start the dashboard with --token</span>;
}
