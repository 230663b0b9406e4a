/**
 * `npx tsx workflows/corpus/discover.ts`: the corpus pipeline over documents it discovers at run
 * time (issue 19's map and when). An inbox folder is listed when the run gets there, each file
 * found is read and counted by one element of a map, and an empty file is skipped by a when
 * (its tokenize and count nodes become `skipped`). The inbox here is a temporary folder with the
 * ten poems of data/ and two empty files. Redis at REDIS_URL (default redis://127.0.0.1:6379),
 * keys under CELERIAC_PREFIX (default `celeriac-discover`).
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { chain, chord, createApp, group, map, NonRetryableError, when } from '../../src/index.js';
import * as analysis from './analysis.js';
import { CORPUS_DIR, defineCorpusTasks, documentCountsSchema, documentSchema } from './tasks.js';

const app = createApp({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CELERIAC_PREFIX ?? 'celeriac-discover',
});
const corpus = defineCorpusTasks(app);
const inboxFile = z.object({ file: z.string(), raw: z.string() });

/** The .txt files in the inbox, in name order: known only when the run gets here. */
const listInbox = app.task({ name: 'discover.listInbox', args: z.tuple([z.string()]), result: z.array(z.string()) }, async (folder) =>
  (await readdir(folder)).filter((name) => name.endsWith('.txt')).sort(),
);
const readInbox = app.task({ name: 'discover.readInbox', args: z.tuple([z.string(), z.string()]), result: inboxFile }, async (file, folder) => ({
  file,
  raw: await readFile(join(folder, file), 'utf8'),
}));
const hasText = app.task({ name: 'discover.hasText', args: z.tuple([inboxFile]) }, (found) => found.raw.trim().length > 0);
const parse = app.task({ name: 'discover.parse', args: z.tuple([inboxFile]), result: documentSchema }, (found) => {
  const parsed = analysis.parseDocument(found.raw);
  if ('problem' in parsed) throw new NonRetryableError(`${found.file}: ${parsed.problem}`);
  return { file: found.file, ...parsed };
});
const nothing = app.task({ name: 'discover.nothing', args: z.tuple([inboxFile]) }, (): null => null);
const counted = app.task({ name: 'discover.counted', args: z.tuple([z.array(documentCountsSchema.nullable())]) }, (all) =>
  all.filter((counts) => counts !== null),
);

/** The canvas: list, then per file read and (unless empty) count, then the corpus pipeline's merge and analyses. */
export function discoveryPipeline(folder: string) {
  return chain(
    listInbox.si(folder),
    map(chain(readInbox.s(folder), when(hasText.s(), chain(parse.s(), corpus.tokenize.s(), corpus.countWords.s()), nothing.s()))),
    counted.s(),
    corpus.mergeCounts.s(),
    chord(group(corpus.topWords.s(5), corpus.vocabularyStats.s(), corpus.distinctiveWords.s(2)), corpus.report.s()),
  );
}

async function main(): Promise<void> {
  const inbox = await mkdtemp(join(tmpdir(), 'celeriac-inbox-'));
  for (const name of await readdir(CORPUS_DIR)) if (name.endsWith('.txt')) await copyFile(join(CORPUS_DIR, name), join(inbox, name));
  await writeFile(join(inbox, 'blank.txt'), '');
  await writeFile(join(inbox, 'spaces.txt'), '   \n\n');
  const worker = app.worker({ concurrency: 8 });
  await worker.start();
  try {
    const run = await app.submit(discoveryPipeline(inbox), { name: 'discover' });
    const report = await run.result({ timeoutMs: 60_000 });
    const { nodes } = await run.inspect();
    const mapNode = nodes.find((node) => node.expansion !== undefined)!;
    console.log(`run ${run.id}: ${report.headline}`);
    console.log(`map node ${mapNode.id} expanded over ${mapNode.expansion!.items} files: nodes ${mapNode.expansion!.first} onwards, ${mapNode.expansion!.nodes} added`);
    const byTask = new Map<string, Map<string, number>>();
    for (const node of nodes) {
      const statuses = byTask.get(node.task) ?? new Map<string, number>();
      statuses.set(node.status, (statuses.get(node.status) ?? 0) + 1);
      byTask.set(node.task, statuses);
    }
    for (const [task, statuses] of byTask) {
      console.log(`  ${task.padEnd(24)} ${[...statuses].map(([status, count]) => `${count} ${status}`).join(', ')}`);
    }
    const skippedFiles = nodes.filter((node) => node.task === 'discover.nothing' && node.status === 'succeeded').length;
    console.log(`${skippedFiles} empty file(s) skipped; ${report.stats.documents} documents counted`);
  } finally {
    await worker.close();
    await app.close();
    await rm(inbox, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
