// Submits a task by name to whatever worker serves the prefix, and prints its result.
const { createApp } = require('celeriac');

async function main() {
  const app = createApp({ redis: process.env.REDIS_URL, prefix: process.env.CELERIAC_PREFIX });
  try {
    const run = await app.submit(app.signature('shout', ['packed']));
    console.log(JSON.stringify({ result: await run.result({ timeoutMs: 30_000 }) }));
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
