/**
 * What tracing costs: throughput with tracing off, with the API but no SDK, and with the SDK
 * on. The three modes run alternately, REPS times, each in a fresh process against one private
 * redis-server; prints medians with min-max and the ratio to "off", and writes
 * .bench-out/tracing.json.   npm run bench:tracing   (WIDTH=5000 HOPS=500 REPS=5)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../test/helpers/redis-server.js';
import { median } from './stats.js';

const reps = Number(process.env.REPS ?? 5);
const modes = ['off', 'api', 'sdk'] as const;
const child = fileURLToPath(new URL('./tracing-child.ts', import.meta.url));
const server = await startRedisServer();

interface Sample {
  readonly mode: string;
  readonly fanOutRate: number;
  readonly hopMicros: number;
  readonly spansExported: number;
}
const samples: Sample[] = [];
for (let rep = 0; rep < reps; rep++) {
  for (const mode of modes) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, MODE: mode, REDIS_URL: server.url }, encoding: 'utf8' });
    samples.push(JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Sample);
  }
}
await server.stop();

const of = (mode: string) => samples.filter((sample) => sample.mode === mode);
const offRate = median(of('off').map((sample) => sample.fanOutRate));
const offHop = median(of('off').map((sample) => sample.hopMicros));
const rows = modes.map((mode) => {
  const rates = of(mode).map((sample) => sample.fanOutRate);
  const hops = of(mode).map((sample) => sample.hopMicros);
  return {
    tracing: { off: 'off (enabled: false)', api: 'API, no SDK', sdk: 'SDK on (batch, spans dropped)' }[mode],
    'fan-out nodes/s median': Math.round(median(rates)),
    'min-max': `${Math.round(Math.min(...rates))}-${Math.round(Math.max(...rates))}`,
    'vs off': (median(rates) / offRate).toFixed(2),
    'chain µs/hop median': Math.round(median(hops)),
    'hop min-max': `${Math.round(Math.min(...hops))}-${Math.round(Math.max(...hops))}`,
    'hop vs off': (median(hops) / offHop).toFixed(2),
    'spans exported': median(of(mode).map((sample) => sample.spansExported)),
  };
});
console.log(`celeriac tracing overhead: ${reps} repetitions per mode, alternating, one worker (concurrency 50) per process`);
console.table(rows);
mkdirSync('.bench-out', { recursive: true });
writeFileSync('.bench-out/tracing.json', JSON.stringify({ date: new Date().toISOString(), reps, samples, rows }, null, 2));
