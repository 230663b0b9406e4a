// A CommonJS consumer of the installed package: require() it, run a chain through a worker, and check
// that import() hands back the very same module (one App registry, one class per error).
const { createApp, chain, App, CeleriacError } = require('celeriac');

async function main() {
  const imported = await import('celeriac');
  const app = createApp({ redis: process.env.REDIS_URL, prefix: process.env.CELERIAC_PREFIX });
  const add = app.task({ name: 'add' }, (a, b) => a + b);
  let duplicate;
  try {
    app.task({ name: 'add' }, () => 0);
  } catch (error) {
    duplicate = error;
  }
  const worker = app.worker({ concurrency: 2 });
  await worker.start();
  const run = await app.submit(chain(add.s(1, 2), add.s(3)), { name: 'packed-cjs' });
  const result = await run.result({ timeoutMs: 30_000 });
  await app.close();
  console.log(
    JSON.stringify({
      result,
      runId: run.id,
      sameModule: imported.App === App && imported.CeleriacError === CeleriacError,
      duplicateCode: duplicate && duplicate.code,
      duplicateIsImportedCeleriacError: duplicate instanceof imported.CeleriacError,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
