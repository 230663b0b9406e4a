/**
 * The text analysis behind the corpus tasks: pure functions, no I/O, no celeriac. Every ordering
 * is total (count, then word) so that the same corpus always gives the same output, whatever
 * order the workers finished in.
 *
 * Word counts travel between tasks as JSON objects. They are built and read through Maps and
 * Object.fromEntries/entries, never by indexing a plain object with a word: a word such as
 * "constructor" would otherwise hit Object.prototype.
 */

/**
 * Common English function words, plus the archaic ones these poems use ("thee", "hath", "o'er")
 * so that the top words are content words. Used for top and distinctive words only; the
 * vocabulary statistics count every token.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all almost along also although am among an and another any are
  as at be because been before being below beneath beside between both but by can could did do does
  doing down during each either else even ever every few for from further had has have having he her
  here hers herself him himself his how i if in into is it its itself just let like many may me might more
  most much must my myself neither never no nor not nothing now o of off oft often on once one only or other our
  ours ourselves out over own same shall she should since so some such than that the their theirs
  them themselves then there these they this those though through thus till to too under until up
  upon us very was we were what when where whether which while who whom whose why will with within
  without would yet you your yours yourself
  art dost doth e'er hast hath ne'er o'er shalt thee thine thou thy thyself 'tis tis 'twas twas wilt ye`
    .split(/\s+/)
    .filter((word) => word.length > 0),
);

export interface ParsedDocument {
  readonly title: string;
  readonly author: string;
  readonly text: string;
}

/** The first line is `Title — Author`; the text is everything after it. */
export function parseDocument(raw: string): ParsedDocument | { readonly problem: string } {
  const normalized = raw.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const newline = normalized.indexOf('\n');
  const heading = (newline === -1 ? normalized : normalized.slice(0, newline)).trim();
  const text = newline === -1 ? '' : normalized.slice(newline + 1).trim();
  const separator = heading.lastIndexOf(' — ');
  if (separator <= 0) return { problem: `the first line must be "Title — Author", got ${JSON.stringify(heading)}` };
  const title = heading.slice(0, separator).trim();
  const author = heading.slice(separator + 3).trim();
  if (!title || !author) return { problem: `the first line must be "Title — Author", got ${JSON.stringify(heading)}` };
  return { title, author, text };
}

/**
 * Lower-cased words: runs of letters, with inner apostrophes kept ("o'er", "water'd") and a
 * possessive "'s" dropped ("summer's" counts as "summer"). Dashes and hyphens split words.
 */
export function tokenize(text: string): string[] {
  const words = text.toLowerCase().replace(/[\u2018\u2019\u02BC]/g, "'").match(/\p{L}+(?:'\p{L}+)*/gu) ?? [];
  return words.map((word) => (word.endsWith("'s") ? word.slice(0, -2) : word));
}

/** Sort by count (highest first), then alphabetically. */
function byCountThenWord(a: readonly [string, number], b: readonly [string, number]): number {
  return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}

/** A counts object with its keys in alphabetical order, so that equal counts encode equally. */
function toCountsObject(counts: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function countWords(words: readonly string[]): { total: number; counts: Record<string, number> } {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return { total: words.length, counts: toCountsObject(counts) };
}

export interface DocumentCounts {
  readonly title: string;
  readonly author: string;
  readonly total: number;
  readonly counts: Readonly<Record<string, number>>;
}

export interface CorpusCounts {
  /** Per document, in the order the group produced them (the file order). */
  readonly documents: DocumentCounts[];
  readonly total: number;
  readonly counts: Readonly<Record<string, number>>;
}

export function mergeCounts(documents: readonly DocumentCounts[]): CorpusCounts {
  const merged = new Map<string, number>();
  let total = 0;
  for (const document of documents) {
    total += document.total;
    for (const [word, count] of Object.entries(document.counts)) merged.set(word, (merged.get(word) ?? 0) + count);
  }
  return { documents: [...documents], total, counts: toCountsObject(merged) };
}

/** In how many documents each word occurs. */
function documentFrequencies(corpus: CorpusCounts): Map<string, number> {
  const frequencies = new Map<string, number>();
  for (const document of corpus.documents) {
    for (const word of Object.keys(document.counts)) frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
  }
  return frequencies;
}

export interface TopWord {
  readonly word: string;
  readonly count: number;
  /** How many documents it occurs in. */
  readonly documents: number;
}

export function topWords(corpus: CorpusCounts, n: number): TopWord[] {
  const frequencies = documentFrequencies(corpus);
  return Object.entries(corpus.counts)
    .filter(([word]) => !STOP_WORDS.has(word))
    .sort(byCountThenWord)
    .slice(0, n)
    .map(([word, count]) => ({ word, count, documents: frequencies.get(word) ?? 0 }));
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export interface VocabularyStats {
  readonly documents: number;
  /** Every token, stop words included. */
  readonly totalWords: number;
  readonly distinctWords: number;
  /** Tokens that are not stop words. */
  readonly contentWords: number;
  readonly distinctContentWords: number;
  /** Words that occur exactly once in the whole corpus. */
  readonly hapaxLegomena: number;
  /** distinctWords / totalWords. */
  readonly typeTokenRatio: number;
  /** In letters, over every token. */
  readonly averageWordLength: number;
  readonly longestWords: string[];
  readonly longestDocument: { readonly title: string; readonly words: number } | null;
  readonly shortestDocument: { readonly title: string; readonly words: number } | null;
}

export function vocabularyStats(corpus: CorpusCounts): VocabularyStats {
  const entries = Object.entries(corpus.counts);
  const content = entries.filter(([word]) => !STOP_WORDS.has(word));
  const letters = entries.reduce((sum, [word, count]) => sum + word.replace(/'/g, '').length * count, 0);
  const longestWords = entries
    .map(([word]) => word)
    .sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 5);
  // Ties go to the document that comes first, so the answer does not depend on sort stability.
  const bySize = corpus.documents.map((document, index) => ({ document, index }));
  const longest = [...bySize].sort((a, b) => b.document.total - a.document.total || a.index - b.index)[0];
  const shortest = [...bySize].sort((a, b) => a.document.total - b.document.total || a.index - b.index)[0];
  return {
    documents: corpus.documents.length,
    totalWords: corpus.total,
    distinctWords: entries.length,
    contentWords: content.reduce((sum, [, count]) => sum + count, 0),
    distinctContentWords: content.length,
    hapaxLegomena: entries.filter(([, count]) => count === 1).length,
    typeTokenRatio: corpus.total === 0 ? 0 : round(entries.length / corpus.total, 3),
    averageWordLength: corpus.total === 0 ? 0 : round(letters / corpus.total, 2),
    longestWords,
    longestDocument: longest ? { title: longest.document.title, words: longest.document.total } : null,
    shortestDocument: shortest ? { title: shortest.document.title, words: shortest.document.total } : null,
  };
}

export interface DocumentProfile {
  readonly title: string;
  readonly author: string;
  readonly words: number;
  readonly distinctWords: number;
  /** The content words that most set this document apart: highest tf-idf first. */
  readonly distinctive: { readonly word: string; readonly score: number }[];
}

/**
 * Per document, the `n` content words with the highest tf-idf: (count / document length) times
 * ln(documents / documents containing the word). A word used in every document scores 0; ties
 * go to the longer word.
 */
export function distinctiveWords(corpus: CorpusCounts, n: number): DocumentProfile[] {
  const frequencies = documentFrequencies(corpus);
  const documents = corpus.documents.length;
  return corpus.documents.map((document) => {
    const scored = Object.entries(document.counts)
      .filter(([word]) => !STOP_WORDS.has(word))
      .map(([word, count]): [string, number] => {
        const idf = Math.log(documents / (frequencies.get(word) ?? documents));
        return [word, round((count / Math.max(1, document.total)) * idf, 4)];
      })
      .filter(([, score]) => score > 0)
      // Ties (common in short texts, where most words occur once) go to the longer word, which
      // tends to be the rarer and more telling one, then to alphabetical order.
      .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length || byCountThenWord(a, b))
      .slice(0, n);
    return {
      title: document.title,
      author: document.author,
      words: document.total,
      distinctWords: Object.keys(document.counts).length,
      distinctive: scored.map(([word, score]) => ({ word, score })),
    };
  });
}
