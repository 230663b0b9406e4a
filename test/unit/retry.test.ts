import { describe, expect, it } from 'vitest';
import { ArgsValidationError, NonRetryableError } from '../../src/index.js';
import { retryDelay } from '../../src/worker/retry.js';

const boom = new Error('boom');

describe('retryDelay', () => {
  it('does not retry by default (one attempt)', () => {
    expect(retryDelay({ attempts: 1 }, 1, boom)).toBeNull();
  });

  it('retries until the attempts are used up', () => {
    const policy = { attempts: 3 };
    expect(retryDelay(policy, 1, boom)).toBe(0);
    expect(retryDelay(policy, 2, boom)).toBe(0);
    expect(retryDelay(policy, 3, boom)).toBeNull();
  });

  it('backs off exponentially up to the cap', () => {
    const policy = { attempts: 10, backoff: { type: 'exponential' as const, delayMs: 100, maxDelayMs: 500 } };
    expect([1, 2, 3, 4, 5].map((used) => retryDelay(policy, used, boom))).toEqual([100, 200, 400, 500, 500]);
  });

  it('backs off by a fixed delay', () => {
    const policy = { attempts: 3, backoff: { type: 'fixed' as const, delayMs: 250 } };
    expect([1, 2].map((used) => retryDelay(policy, used, boom))).toEqual([250, 250]);
  });

  it('jitter spreads each delay over its upper half', () => {
    const policy = { attempts: 5, backoff: { type: 'exponential' as const, delayMs: 1000, jitter: true } };
    expect(retryDelay(policy, 2, boom, () => 0)).toBe(1000);
    expect(retryDelay(policy, 2, boom, () => 0.999999)).toBe(2000);
  });

  it('never retries a NonRetryableError or invalid arguments', () => {
    expect(retryDelay({ attempts: 5 }, 1, new NonRetryableError('no'))).toBeNull();
    expect(retryDelay({ attempts: 5 }, 1, new ArgsValidationError('t', 'node 1', 'bad'))).toBeNull();
  });
});
