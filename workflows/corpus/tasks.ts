import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { z } from 'zod';
import { type App, NonRetryableError } from '../../src/index.js';
import * as analysis from './analysis.js';

/** Where the corpus lives; tasks get file names relative to it, never paths. */
export const CORPUS_DIR = fileURLToPath(new URL('./data/', import.meta.url));

// ---- what flows between the tasks (each task's result is checked against its schema) ----

const count = z.number().int().min(0);
const countsSchema = z.record(z.string(), z.number().int().positive());

export const fileNameSchema = z
  .string()
  .regex(/^[\w.-]+\.txt$/, 'must be the name of a .txt file in the corpus folder (no path)')
  .refine((name) => !name.startsWith('.'), 'must not be a hidden file');

export const documentSchema = z.object({
  file: z.string(),
  title: z.string().min(1),
  author: z.string().min(1),
  text: z.string(),
});

export const tokensSchema = z.object({
  title: z.string(),
  author: z.string(),
  words: z.array(z.string().min(1)),
});

export const documentCountsSchema = z.object({
  title: z.string(),
  author: z.string(),
  total: count,
  counts: countsSchema,
});

export const corpusCountsSchema = z.object({
  documents: z.array(documentCountsSchema),
  total: count,
  counts: countsSchema,
});

export const topWordsSchema = z.array(z.object({ word: z.string(), count: count, documents: count }));

const documentSizeSchema = z.object({ title: z.string(), words: count }).nullable();

export const vocabularyStatsSchema = z.object({
  documents: count,
  totalWords: count,
  distinctWords: count,
  contentWords: count,
  distinctContentWords: count,
  hapaxLegomena: count,
  typeTokenRatio: z.number().min(0).max(1),
  averageWordLength: z.number().min(0),
  longestWords: z.array(z.string()),
  longestDocument: documentSizeSchema,
  shortestDocument: documentSizeSchema,
});

export const profilesSchema = z.array(
  z.object({
    title: z.string(),
    author: z.string(),
    words: count,
    distinctWords: count,
    distinctive: z.array(z.object({ word: z.string(), score: z.number() })),
  }),
);

export const reportSchema = z.object({
  headline: z.string(),
  stats: vocabularyStatsSchema,
  topWords: topWordsSchema,
  documents: profilesSchema,
});

export type CorpusReport = z.infer<typeof reportSchema>;

/**
 * CORPUS_PACE_MS: every task first waits this long (default 0), so that a person can watch the
 * run advance in the dashboard; `npm run demo` sets it (see demo.ts).
 */
function pace(): Promise<void> {
  const paceMs = Number(process.env.CORPUS_PACE_MS ?? 0);
  return paceMs > 0 ? new Promise((resolve) => setTimeout(resolve, paceMs)) : Promise.resolve();
}

const numberFormat = new Intl.NumberFormat('en-US');
const plural = (n: number, noun: string): string => `${numberFormat.format(n)} ${noun}${n === 1 ? '' : 's'}`;

const positive = z.number().int().min(1).max(1000);

/**
 * Register the corpus tasks on `app`. Every handler but readDocument is pure; readDocument only
 * reads a file of the corpus folder. The returned tasks are what pipeline.ts builds canvases from.
 */
export function defineCorpusTasks(app: App) {
  const readDocument = app.task(
    { name: 'corpus.readDocument', args: z.tuple([fileNameSchema]), result: documentSchema },
    async (file) => {
      await pace();
      const raw = await readFile(join(CORPUS_DIR, file), 'utf8');
      const parsed = analysis.parseDocument(raw);
      // A malformed file stays malformed: retrying would not help.
      if ('problem' in parsed) throw new NonRetryableError(`${file}: ${parsed.problem}`);
      return { file, ...parsed };
    },
  );

  const tokenize = app.task(
    { name: 'corpus.tokenize', args: z.tuple([documentSchema]), result: tokensSchema },
    async (document) => {
      await pace();
      return { title: document.title, author: document.author, words: analysis.tokenize(document.text) };
    },
  );

  const countWords = app.task(
    { name: 'corpus.countWords', args: z.tuple([tokensSchema]), result: documentCountsSchema },
    async (tokens) => {
      await pace();
      // CORPUS_BUG=1 simulates a bad deploy, for trying recovery (docs/operations.md): counting
      // "breaks" on long texts. Workers started without it have the "fixed" code.
      if (process.env.CORPUS_BUG === '1' && tokens.words.length > 150) {
        throw new RangeError(`word buffer overflow in "${tokens.title}" (${tokens.words.length} words)`);
      }
      return { title: tokens.title, author: tokens.author, ...analysis.countWords(tokens.words) };
    },
  );

  const mergeCounts = app.task(
    { name: 'corpus.mergeCounts', args: z.tuple([z.array(documentCountsSchema)]), result: corpusCountsSchema },
    async (documents) => {
      await pace();
      return analysis.mergeCounts(documents);
    },
  );

  const topWords = app.task(
    { name: 'corpus.topWords', args: z.tuple([corpusCountsSchema, positive]), result: topWordsSchema },
    async (corpus, n) => {
      await pace();
      return analysis.topWords(corpus, n);
    },
  );

  const vocabularyStats = app.task(
    { name: 'corpus.vocabularyStats', args: z.tuple([corpusCountsSchema]), result: vocabularyStatsSchema },
    async (corpus) => {
      await pace();
      return analysis.vocabularyStats(corpus);
    },
  );

  const distinctiveWords = app.task(
    { name: 'corpus.distinctiveWords', args: z.tuple([corpusCountsSchema, positive]), result: profilesSchema },
    async (corpus, n) => {
      await pace();
      return analysis.distinctiveWords(corpus, n);
    },
  );

  const report = app.task(
    {
      name: 'corpus.report',
      args: z.tuple([z.tuple([topWordsSchema, vocabularyStatsSchema, profilesSchema])]),
      result: reportSchema,
    },
    async ([top, stats, documents]) => {
      await pace();
      const distinct = numberFormat.format(stats.distinctWords);
      const numbers = `${plural(stats.documents, 'document')}, ${plural(stats.totalWords, 'word')}, ${distinct} distinct`;
      const first = top[0];
      const most = first
        ? `; the most frequent content word is "${first.word}" ` +
          `(${plural(first.count, 'time')} in ${plural(first.documents, 'document')})`
        : '';
      const headline = numbers + most;
      return { headline, stats, topWords: top, documents };
    },
  );

  return { readDocument, tokenize, countWords, mergeCounts, topWords, vocabularyStats, distinctiveWords, report };
}

export type CorpusTasks = ReturnType<typeof defineCorpusTasks>;
