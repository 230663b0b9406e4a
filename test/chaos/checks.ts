/**
 * What the chaos suite checks after the faults, from the worker logs and from Redis.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ChaosLogLine } from './tasks.js';
import type { FaultRecord } from './faults.js';

export interface ExecutionFigures {
  /** Handler executions started, in all. */
  readonly executions: number;
  /** Executions that were neither the one that counted nor a failure retried by policy. */
  readonly duplicates: number;
  /** Nodes whose result was recorded by more than one attempt (must be none). */
  readonly completedTwice: readonly string[];
  /** Late completions refused by the fencing (attempt no longer current). */
  readonly fencedLate: number;
  /** Attempts whose worker lost its lease while they ran. */
  readonly leaseLost: number;
  /** Nodes re-enqueued by the workers' repair sweeps. */
  readonly repairedBySweeps: readonly string[];
  /** Per Redis restart: ms from the server answering again to the next recorded completion. */
  readonly recoveryMs: readonly number[];
}

export function readLogs(files: readonly string[]): ChaosLogLine[] {
  const lines: ChaosLogLine[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      // A SIGKILL can cut the last line short.
      if (!line) continue;
      try {
        lines.push(JSON.parse(line) as ChaosLogLine);
      } catch {
        // a torn last line
      }
    }
  }
  return lines.sort((a, b) => a.at - b.at);
}

export function executionFigures(lines: readonly ChaosLogLine[], faults: readonly FaultRecord[]): ExecutionFigures {
  const starts = new Map<string, number>();
  const retried = new Map<string, number>();
  const completed = new Map<string, number>();
  let fencedLate = 0;
  let leaseLost = 0;
  const repairedBySweeps: string[] = [];
  const completionTimes: number[] = [];
  for (const line of lines) {
    if (line.kind === 'repaired') {
      repairedBySweeps.push(...line.nodes.map((node) => `${node.runId}/${node.nodeId}`));
      continue;
    }
    const key = `${line.run}/${line.node}`;
    if (line.kind === 'start') {
      starts.set(key, (starts.get(key) ?? 0) + 1);
    } else if (line.outcome === 'completed') {
      completed.set(key, (completed.get(key) ?? 0) + 1);
      completionTimes.push(line.at);
    } else if (line.outcome === 'retrying') {
      retried.set(key, (retried.get(key) ?? 0) + 1);
    } else if (line.outcome === 'stale') {
      fencedLate++;
    } else if (line.outcome === 'lease-lost') {
      leaseLost++;
    }
  }
  let executions = 0;
  let duplicates = 0;
  for (const [key, count] of starts) {
    executions += count;
    duplicates += Math.max(0, count - 1 - (retried.get(key) ?? 0));
  }
  const recoveryMs = faults
    .filter((fault) => fault.kind === 'restart-redis' && fault.upAt !== undefined)
    .map((fault) => {
      const next = completionTimes.find((time) => time >= fault.upAt!);
      return next === undefined ? Number.NaN : next - fault.upAt!;
    });
  return {
    executions,
    duplicates,
    completedTwice: [...completed].filter(([, count]) => count > 1).map(([key]) => key),
    fencedLate,
    leaseLost,
    repairedBySweeps,
    recoveryMs,
  };
}

/**
 * The most duplicate executions the faults can explain: a killed or stalled worker loses at most
 * its in-flight attempts (its concurrency); a Redis restart or dropped connections can cost every
 * worker's in-flight attempts (leases may expire while Redis is away or heartbeats fail).
 */
export function duplicateBound(faults: readonly FaultRecord[], workers: number, concurrency: number): number {
  let bound = 0;
  for (const fault of faults) {
    if (fault.kind === 'kill-worker' || fault.kind === 'stall-worker') bound += concurrency;
    else if (fault.kind === 'restart-redis' || fault.kind === 'drop-connections') bound += workers * concurrency;
  }
  return bound;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
