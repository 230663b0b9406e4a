import { Redis } from 'ioredis';
import { scriptSource } from '../src/store/lua-source.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
const server = await startRedisServer();
const r = new Redis(server.url);
const keys = Array.from({ length: 21 }, (_, i) => `{p}:k${i}`);
const args = Array.from({ length: 16 }, (_, i) => `arg${i}`);
async function cost(label: string, source: string, n = 3000): Promise<void> {
  const sha = (await r.script('LOAD', source)) as string;
  for (let i = 0; i < 200; i++) await r.evalsha(sha, keys.length, ...keys, ...args);
  await r.config('RESETSTAT');
  const p = r.pipeline();
  for (let i = 0; i < n; i++) p.evalsha(sha, keys.length, ...keys, ...args);
  await p.exec();
  const stats = await r.info('commandstats');
  const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(stats)!;
  console.log(label.padEnd(40), (Number(m[2]) / Number(m[1])).toFixed(2), 'µs/call');
}
await cost('return 0', 'return 0');
for (const name of ['complete-nodes', 'submit-run', 'start-nodes', 'claim', 'complete-step']) {
  const src = scriptSource(name);
  const lines = src.split('\n');
  // the first line of the script's own body: after the last top-level definition of the includes
  const idx = lines.findIndex((l) => /^local run = runKeysFrom|^local sequenceKey = KEYS\[1\]|^local run, /.test(l));
  const cut = [...lines.slice(0, idx), 'do return 0 end', ...lines.slice(idx)].join('\n');
  await cost(`${name} definitions only (${src.length} chars)`, cut);
}
await r.quit(); await server.stop();
