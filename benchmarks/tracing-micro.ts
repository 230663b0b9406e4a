/**
 * The per-attempt cost of celeriac's tracing calls when no SDK is registered (what every
 * user without OpenTelemetry pays): starting and ending an attempt span, as the worker does,
 * timed over many iterations.   npx tsx benchmarks/tracing-micro.ts
 */
import { performance } from 'node:perf_hooks';
import type { StartedNode } from '../src/store/node-store.js';
import { attemptTraceparent, endAttemptSpan, startAttemptSpan } from '../src/tracing/spans.js';

const node = {
  message: { runId: '01JRUN', nodeId: '7', delivery: 1, priority: 0, raw: '01JRUN|7|1|0' },
  queue: 'default',
  attempt: 1,
  leaseExpiries: 0,
  attemptOffset: 0,
  spec: { task: 'noop', args: [1], queue: 'default' },
  context: { queuedAt: Date.now(), startedAt: Date.now(), reopened: 0 },
  inputs: new Map(),
} as unknown as StartedNode;

const iterations = Number(process.env.ITERATIONS ?? 1_000_000);
for (const enabled of [false, true]) {
  const options = { enabled, recordArgs: false, recordResults: false };
  const time = (): number => {
    const started = performance.now();
    for (let index = 0; index < iterations; index++) {
      const span = startAttemptSpan(node, options, () => node.spec.args);
      attemptTraceparent(span);
      endAttemptSpan(span, { ok: true, resultJson: '1' }, options);
    }
    return ((performance.now() - started) * 1e6) / iterations;
  };
  time(); // warm up
  const runs = [time(), time(), time()].sort((a, b) => a - b);
  console.log(`tracing ${enabled ? 'enabled, no SDK' : 'disabled       '}: ${runs[1]!.toFixed(0)} ns per attempt (median of 3 x ${iterations.toLocaleString('en-US')})`);
}
