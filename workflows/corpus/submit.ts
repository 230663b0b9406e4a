/**
 * Submit the corpus pipeline to the corpus app and wait for its result; some worker must be
 * running (`npx tsx workflows/corpus/worker.ts`): `npx tsx workflows/corpus/submit.ts`.
 * Prints the run id first, so the run can be followed from elsewhere with app.getRun(id).
 * With `--json`, prints the result as JSON instead of the formatted report; with `--no-wait`,
 * prints only the run id and returns (follow it with `celeriac watch <id>`).
 */
import { app, redisUrl, tasks } from './app.js';
import { formatReport } from './format.js';
import { corpusPipeline, listCorpusFiles } from './pipeline.js';
import { preflight } from './redis-check.js';

async function main(): Promise<number> {
  const files = await preflight(redisUrl, listCorpusFiles);
  if (!files) return 1;
  try {
    const run = await app.submit(corpusPipeline(tasks, files), { name: 'corpus-word-stats' });
    if (process.argv.includes('--no-wait')) {
      console.log(run.id);
      return 0;
    }
    console.log(`run id: ${run.id}`);
    console.log(`waiting for a worker to finish it (${files.length} documents)…`);
    const report = await run.result({ timeoutMs: 120_000 });
    console.log(process.argv.includes('--json') ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('Submitting the corpus pipeline failed:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
