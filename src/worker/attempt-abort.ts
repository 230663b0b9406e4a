/**
 * Whether an attempt must stop, and why: aborted by the worker (lease lost, run cancelled) or by
 * the task's timeout. The AbortSignal a handler sees (`taskContext().signal`) is made only when
 * the handler asks for it: an AbortController and its listeners are not free, and a wide group
 * runs thousands of attempts whose handlers never look.
 */
export class AttemptAbort {
  private controller: AbortController | null = null;
  private listener: ((reason: unknown) => void) | null = null;
  private abortedWith: { readonly reason: unknown } | null = null;

  get aborted(): boolean {
    return this.abortedWith !== null;
  }

  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** The handler's signal, made on first use (already aborted if the attempt was). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** Abort once: later calls change nothing (the first reason stands). */
  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    const listener = this.listener;
    this.listener = null;
    listener?.(reason);
  }

  /** The attempt's own listener (its race against the handler); null removes it. */
  onAbort(listener: ((reason: unknown) => void) | null): void {
    this.listener = listener;
  }
}
