import { Redis } from 'ioredis';
import { startRedisServer } from '../test/helpers/redis-server.js';
const server = await startRedisServer();
const r = new Redis(server.url);
for (let i = 0; i < 2000; i++) await r.ping();
for (let rep = 0; rep < 3; rep++) {
  const N = 10000; const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) await r.ping();
  const c1 = process.cpuUsage(); const t1 = performance.now();
  console.log('ping: wall', ((t1 - t0) * 1000 / N).toFixed(1), 'µs, client cpu', ((c1.user - c0.user + c1.system - c0.system) / N).toFixed(1), 'µs (user', ((c1.user - c0.user) / N).toFixed(1), ')');
}
await r.quit(); await server.stop();
