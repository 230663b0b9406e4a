/**
 * `npx tsx workflows/upload-when.ts`: the example of a branch decided at run time. Each
 * file is fetched; a large one is compressed before upload, a small one goes up as it is; the
 * branch not taken shows as `skipped`. One process runs the worker, submits one run per file,
 * and prints each run's nodes and value. Redis at REDIS_URL (default redis://127.0.0.1:6379),
 * keys under CELERIAC_PREFIX (default `celeriac-upload-when`).
 */
import { chain, createApp, when } from '../src/index.js';

interface Blob {
  readonly name: string;
  readonly bytes: number;
}

const app = createApp({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CELERIAC_PREFIX ?? 'celeriac-upload-when',
});

const fetchFile = app.task({ name: 'fetchFile' }, (name: string, bytes: number): Blob => ({ name, bytes }));
const isLarge = app.task({ name: 'isLarge' }, (blob: Blob) => blob.bytes > 1_000_000);
const compress = app.task({ name: 'compress' }, (blob: Blob): Blob => ({ name: `${blob.name}.gz`, bytes: Math.round(blob.bytes / 4) }));
const identity = app.task({ name: 'identity' }, (blob: Blob) => blob);
const upload = app.task({ name: 'upload' }, (blob: Blob) => `uploaded ${blob.name} (${blob.bytes} bytes)`);

async function main(): Promise<void> {
  const worker = app.worker({ concurrency: 4 });
  await worker.start();
  try {
    for (const [name, bytes] of [['photo.raw', 24_000_000], ['notes.txt', 2_400]] as const) {
      const run = await app.submit(chain(fetchFile.s(name, bytes), when(isLarge.s(), compress.s(), identity.s()), upload.s()), { name });
      const value = await run.result({ timeoutMs: 30_000 });
      console.log(`run ${run.id} (${name}): ${value}`);
      for (const node of (await run.inspect()).nodes) console.log(`  ${node.id} ${node.task.padEnd(10)} ${node.status}`);
    }
  } finally {
    await worker.close();
    await app.close();
  }
}

await main();
