// An ES module consumer of the installed package: import it and run a group into a chord body.
import { chord, createApp } from 'celeriac';

const app = createApp({ redis: process.env.REDIS_URL, prefix: process.env.CELERIAC_PREFIX });
const double = app.task({ name: 'double' }, (n) => n * 2);
const sum = app.task({ name: 'sum' }, (values) => values.reduce((a, b) => a + b, 0));
try {
  await app.worker({ concurrency: 2 }).start();
  const run = await app.submit(chord([double.s(1), double.s(2), double.s(3)], sum.s()), { name: 'packed-esm' });
  console.log(JSON.stringify({ result: await run.result({ timeoutMs: 30_000 }), runId: run.id }));
} finally {
  await app.close();
}
