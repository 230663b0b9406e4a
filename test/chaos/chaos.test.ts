import { describe, expect, it } from 'vitest';
import { FULL_CHAOS, printReport, runChaos } from './chaos.js';

// The short version of `npm run chaos`: fewer runs and a shorter fault phase, but every kind of
// fault at least once (faults.ts injects each kind once before choosing at random).
describe('chaos (short): runs finish correctly through worker kills, Redis restarts, stalls, dropped connections and lost messages', () => {
  it('passes every check', { timeout: 240_000 }, async () => {
    const lines: string[] = [];
    const report = await runChaos({
      ...FULL_CHAOS,
      runs: 60,
      workers: 3,
      concurrency: 4,
      durationMs: 20_000,
      faultEveryMs: 2_000,
      maxWidth: 80,
      maxChain: 12,
      seed: 7,
      // Generous leases: a stall of the shared machine must not look like a lost worker.
      visibilityTimeoutMs: 4_000,
      log: () => undefined,
    });
    printReport(report, (line) => lines.push(line));
    // Every kind of fault happened.
    expect(new Set(report.faults.map((fault) => fault.kind))).toEqual(
      new Set(['kill-worker', 'stall-worker', 'restart-redis', 'drop-connections', 'lose-message']),
    );
    // The lost message really was lost (and then repaired): the orphan check had something to find.
    expect(report.figures['messages deleted by hand'], lines.join('\n')).toBeGreaterThanOrEqual(1);
    expect(report.checks.filter((check) => !check.ok), lines.join('\n')).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
