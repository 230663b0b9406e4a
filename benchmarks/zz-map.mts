import { chain, createApp, group, map } from '../src/index.js';
import { NodeStore } from '../src/store/node-store.js';
import * as fmt from '../src/store/expansion-format.js';
let expandMs = 0; let expandAt = 0; let t0 = 0;
const original = NodeStore.prototype.expand;
NodeStore.prototype.expand = async function (...args) { const t = performance.now(); expandAt = t - t0; const r = await original.apply(this, args); expandMs = performance.now() - t; return r; };
const specs0 = fmt.expansionSpecs;

const app = createApp({ redis: 'redis://127.0.0.1:6379', prefix: `zzmap-${Date.now()}`, tracing: { enabled: false } });
const noop = app.task({ name: 'noop' }, async (value: number) => value);
const sum = app.task({ name: 'sum' }, async (values: number[]) => values.reduce((a, b) => a + b, 0));
const list = app.task({ name: 'list' }, async (width: number) => Array.from({ length: width }, (_, index) => index));
const worker = app.worker({ concurrency: 50 });
await worker.start();
for (let rep = 0; rep < 4; rep++) {
  for (const kind of ['static', 'staticInput', 'map', 'mapSi'] as const) {
    t0 = performance.now();
    const canvas = kind === 'map' ? chain(list.si(10_000), map(noop.s()), sum.s())
      : kind === 'mapSi' ? chain(list.si(10_000), map(noop.si(0)), sum.s())
      : kind === 'staticInput' ? chain(noop.si(1), group(Array.from({ length: 10_000 }, () => noop.s())), sum.s())
      : chain(group(Array.from({ length: 10_000 }, (_, i) => noop.si(i))), sum.s());
    const run = await app.submit(canvas as never);
    await run.result({ timeoutMs: 60_000 });
    const total = performance.now() - t0;
    console.log(kind, 'total', total.toFixed(0), 'ms; expand call', kind.startsWith('map') ? `${expandMs.toFixed(0)} at ${expandAt.toFixed(0)}` : '-');
  }
}
await app.close();
