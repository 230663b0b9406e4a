import { describe, expect, it } from 'vitest';
import { palette } from '../../src/cli/format.js';
import { renderRun } from '../../src/cli/render-run.js';
import type { NodeInspection, RunInspection } from '../../src/index.js';

describe('renderRun on a very wide run', () => {
  it('draws a 200,000-wide fan-in in one pass over the nodes (no quadratic grouping, no spread of 200,000 values)', () => {
    const width = 200_000;
    const at = new Date('2026-12-06T00:00:00Z');
    const nodes: NodeInspection[] = [];
    for (let index = 0; index < width; index++) {
      nodes.push({
        id: String(index),
        task: 'square',
        status: index % 1000 === 7 ? 'failed' : 'succeeded',
        attempts: 1 + (index % 3),
        dependants: [String(width)],
        startedAt: at,
        finishedAt: new Date(at.getTime() + (index % 50)),
      });
    }
    nodes.push({ id: String(width), task: 'total', status: 'cancelled', attempts: 0, dependants: [] });
    const run: RunInspection = { id: 'R', name: 'wide', status: 'failed', createdAt: at, reopened: 0, nodes };
    const text = renderRun(run, palette(false), { now: at.getTime() });
    const lines = text.split('\n');
    expect(lines).toContain('  layer 0 · 200,000 nodes, ready at submit');
    expect(lines).toContain('    square × 199,800 succeeded  (tries 1-3, 0 ms-49 ms)');
    expect(lines).toContain('    square × 200 failed  (tries 1-3, 7 ms-7 ms)');
    expect(lines).toContain('      … and 195 more failed');
    expect(lines.at(-1)).toMatch(/^ {4}#200000 total\s+cancelled\s+0 tries\s+← #0 #1 #2 #3 #4 #5 … \(\+199,994\)$/);
  });
});
