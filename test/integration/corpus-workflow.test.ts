import { describe, expect, it } from 'vitest';
import { corpusPipeline, listCorpusFiles } from '../../workflows/corpus/pipeline.js';
import { defineCorpusTasks } from '../../workflows/corpus/tasks.js';
import { useApps } from '../helpers/apps.js';

describe('the corpus example pipeline (workflows/corpus) over its shipped data', () => {
  const makeApp = useApps();

  it('computes the corpus report', async () => {
    const app = makeApp();
    const tasks = defineCorpusTasks(app);
    await app.worker({ concurrency: 8 }).start();
    const files = listCorpusFiles();
    expect(files).toHaveLength(10);
    const run = await app.submit(corpusPipeline(tasks, files), { name: 'corpus' });
    const report = await run.result({ timeoutMs: 30_000 });
    // Totals checked independently of celeriac (a separate count over the same files).
    expect(report.stats).toMatchObject({ documents: 10, totalWords: 1193, distinctWords: 554, hapaxLegomena: 399 });
    expect(report.topWords[0]).toEqual({ word: 'love', count: 7, documents: 3 });
    expect(report.documents.map((document) => document.title)).toContain('Ozymandias');
    const inspection = await run.inspect();
    expect(inspection.nodes).toHaveLength(35);
    expect(inspection.nodes.every((node) => node.status === 'succeeded' && node.attempts === 1)).toBe(true);
  });
});
