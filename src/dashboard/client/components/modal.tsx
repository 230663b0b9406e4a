// One modal at a time, asked for with a promise: confirmations and the token prompt. A page-level
// dialog instead of window.confirm, so it can name what will happen and tests can click it.
import { useEffect, useRef, useState } from 'preact/hooks';

type Modal =
  | { readonly kind: 'confirm'; readonly title: string; readonly text: string; readonly ok: string; readonly resolve: (ok: boolean) => void }
  | { readonly kind: 'token'; readonly text: string; readonly resolve: (token: string | null) => void };

let current: Modal | null = null;
const listeners = new Set<() => void>();
const publish = (modal: Modal | null): void => {
  current = modal;
  for (const listener of listeners) listener();
};

export function askConfirm(title: string, text: string, ok = 'Confirm'): Promise<boolean> {
  return new Promise((resolve) => publish({ kind: 'confirm', title, text, ok, resolve }));
}

export function askToken(text: string): Promise<string | null> {
  return new Promise((resolve) => publish({ kind: 'token', text, resolve }));
}

export function ModalHost() {
  const [modal, setModal] = useState<Modal | null>(current);
  const [token, setToken] = useState('');
  const focus = useRef<HTMLInputElement & HTMLButtonElement>(null);
  useEffect(() => {
    const listener = (): void => {
      setModal(current);
      setToken('');
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
  useEffect(() => {
    focus.current?.focus();
  }, [modal]);
  if (modal === null) return null;

  const close = (): void => {
    if (modal.kind === 'confirm') modal.resolve(false);
    else modal.resolve(null);
    publish(null);
  };
  const accept = (): void => {
    if (modal.kind === 'confirm') modal.resolve(true);
    else {
      if (token.trim() === '') return;
      modal.resolve(token.trim());
    }
    publish(null);
  };
  const onKey = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') close();
  };

  return (
    <div class="modal-backdrop" onKeyDown={onKey} onClick={(e) => e.target === e.currentTarget && close()}>
      <form
        class="modal"
        aria-modal="true"
        onSubmit={(event) => {
          event.preventDefault();
          accept();
        }}
      >
        {modal.kind === 'confirm' ? (
          <>
            <h2>{modal.title}</h2>
            <p>{modal.text}</p>
            <div class="modal-buttons">
              <button type="button" class="btn" onClick={close}>
                Cancel
              </button>
              <button type="submit" class="btn btn-primary" data-testid="confirm-ok" ref={focus}>
                {modal.ok}
              </button>
            </div>
          </>
        ) : (
          <>
            <h2>Dashboard token</h2>
            <p>{modal.text}</p>
            <input
              type="password"
              class="input wide"
              data-testid="token-input"
              autocomplete="off"
              placeholder="token given to celeriac dashboard --token"
              value={token}
              ref={focus}
              onInput={(event) => setToken(event.currentTarget.value)}
            />
            <div class="modal-buttons">
              <button type="button" class="btn" onClick={close}>
                Cancel
              </button>
              <button type="submit" class="btn btn-primary" data-testid="token-ok">
                Use token
              </button>
            </div>
          </>
        )}
      </form>
    </div>
  );
}
