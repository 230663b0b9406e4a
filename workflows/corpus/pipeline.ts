import { readdirSync } from 'node:fs';
import { chain, chord, group } from '../../src/index.js';
import { CORPUS_DIR, type CorpusTasks } from './tasks.js';

export interface PipelineOptions {
  /** How many top words to report. Default 10. */
  readonly top?: number;
  /** How many distinctive words per document. Default 3. */
  readonly distinctive?: number;
}

/** The corpus files, in name order (the order of the per-document results). */
export function listCorpusFiles(dir: string = CORPUS_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.txt') && !name.startsWith('.'))
    .sort();
}

/**
 * The whole workflow as one canvas:
 *
 *   chain(
 *     chord(group(per file: chain(readDocument, tokenize, countWords)), mergeCounts),
 *     chord(group(topWords, vocabularyStats, distinctiveWords), report),
 *   )
 *
 * The first chord fans out one three-step chain per file and fans the counts back in; the
 * second fans the merged counts out to three analyses and the report collects their list.
 * `.si()` starts each per-file chain from its file name alone; every `.s()` gets its parent's
 * value prepended to its arguments (topWords.s(10) runs topWords(merged, 10)).
 */
export function corpusPipeline(tasks: CorpusTasks, files: readonly string[], options: PipelineOptions = {}) {
  const { top = 10, distinctive = 3 } = options;
  const perDocument = files.map((file) => chain(tasks.readDocument.si(file), tasks.tokenize.s(), tasks.countWords.s()));
  return chain(
    chord(group(perDocument), tasks.mergeCounts.s()),
    chord(group(tasks.topWords.s(top), tasks.vocabularyStats.s(), tasks.distinctiveWords.s(distinctive)), tasks.report.s()),
  );
}

/** The canvas above in one line, for people reading the demo's output. */
export function describePipeline(files: number): string {
  return (
    `chain(chord(group(${files} × chain(readDocument, tokenize, countWords)), mergeCounts), ` +
    `chord(group(topWords, vocabularyStats, distinctiveWords), report))`
  );
}
