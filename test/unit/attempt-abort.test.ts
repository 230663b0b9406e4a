import { describe, expect, it } from 'vitest';
import { AttemptAbort } from '../../src/worker/attempt-abort.js';

describe('AttemptAbort', () => {
  it('makes no AbortSignal until asked, and a signal asked for after the abort is already aborted with the reason', () => {
    const abort = new AttemptAbort();
    const reason = new Error('lease lost');
    abort.abort(reason);
    expect(abort.aborted).toBe(true);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
  });

  it('aborts a signal handed out earlier, tells its listener once, and keeps the first reason', () => {
    const abort = new AttemptAbort();
    const signal = abort.signal;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push('signal'));
    abort.onAbort((reason) => heard.push(reason));
    abort.abort('timeout');
    abort.abort('cancelled');
    expect(heard).toEqual(['signal', 'timeout']);
    expect(abort.reason).toBe('timeout');
    expect(signal.reason).toBe('timeout');
  });

  it('a listener removed before the abort is not called', () => {
    const abort = new AttemptAbort();
    const heard: unknown[] = [];
    abort.onAbort((reason) => heard.push(reason));
    abort.onAbort(null);
    abort.abort('late');
    expect(heard).toEqual([]);
  });
});
