/**
 * `npx tsx workflows/release-dag.ts`: a release pipeline that is not a tree, so it needs `dag()`.
 * Both packages build in parallel; the integration test needs both builds; the changelog needs
 * only the backend's; publishing needs the test and the changelog. One process runs the worker,
 * submits, waits, and prints each node with its parents and the run's value. Uses Redis at
 * REDIS_URL (default redis://127.0.0.1:6379), keys under CELERIAC_PREFIX (default
 * `celeriac-release-dag`).
 */
import { createApp, dag } from '../src/index.js';

interface Build {
  readonly name: string;
  readonly version: string;
  readonly files: number;
}

const app = createApp({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CELERIAC_PREFIX ?? 'celeriac-release-dag',
});

const build = app.task({ name: 'build' }, (name: string, version: string): Build => ({ name, version, files: name.length * 7 }));
const integrationTest = app.task({ name: 'integrationTest' }, (frontend: Build, backend: Build) => ({
  passed: frontend.version === backend.version,
  suites: frontend.files + backend.files,
}));
const changelog = app.task({ name: 'changelog' }, (backend: Build) => `## ${backend.version}\n- ${backend.name}: ${backend.files} files`);
const publish = app.task(
  { name: 'publish' },
  (test: { passed: boolean; suites: number }, notes: string, channel: string) =>
    test.passed ? `published to ${channel} after ${test.suites} suites\n${notes}` : 'not published: the integration test failed',
);

async function main(): Promise<void> {
  const worker = app.worker({ concurrency: 4 });
  await worker.start();
  try {
    const release = dag<never, string>();
    const frontend = release.add(build.si('frontend', '2.4.0'));
    const backend = release.add(build.si('backend', '2.4.0'));
    const tested = release.add(integrationTest.s(), { after: [frontend, backend] });
    const notes = release.add(changelog.s(), { after: [backend] });
    release.add(publish.s('stable'), { after: [tested, notes] });

    const run = await app.submit(release, { name: 'release 2.4.0' });
    const value = await run.result({ timeoutMs: 30_000 });
    console.log(`run ${run.id}`);
    for (const node of (await run.inspect()).nodes) {
      const { parents } = await run.inspectNode(node.id);
      console.log(`  ${node.id} ${node.task.padEnd(16)} ${node.status.padEnd(10)} after [${parents.join(', ')}]`);
    }
    console.log(value);
  } finally {
    await worker.close();
    await app.close();
  }
}

await main();
