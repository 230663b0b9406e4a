import type { NodeInspection, RunInspection } from '../../src/index.js';
import type { CorpusReport } from './tasks.js';

const numberFormat = new Intl.NumberFormat('en-US');
const n = (value: number): string => numberFormat.format(value);
const plural = (count: number, noun: string): string => `${n(count)} ${noun}${count === 1 ? '' : 's'}`;

function ms(from: Date | undefined, to: Date | undefined): number | null {
  return from && to ? to.getTime() - from.getTime() : null;
}

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>, indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) =>
    (
      indent +
      row
        .map((cell, index) => {
          const width = widths[index] ?? 0;
          return rightAligned.has(index) ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  ')
    ).trimEnd(),
  );
}

/**
 * Layers of the DAG: a node's layer is the length of the longest path from a node that waits for
 * nothing, so each layer only waits for layers above it. Computed from `dependants` alone.
 */
function layers(nodes: readonly NodeInspection[]): { layerOf: Map<string, number>; waitsFor: Map<string, string[]> } {
  const waitsFor = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  for (const node of nodes) for (const dependant of node.dependants) waitsFor.get(dependant)?.push(node.id);
  const remaining = new Map(nodes.map((node) => [node.id, waitsFor.get(node.id)?.length ?? 0]));
  const layerOf = new Map<string, number>();
  const ready = nodes.filter((node) => remaining.get(node.id) === 0).map((node) => node.id);
  for (const id of ready) layerOf.set(id, 0);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  while (ready.length > 0) {
    const id = ready.shift() as string;
    const layer = layerOf.get(id) ?? 0;
    for (const dependant of byId.get(id)?.dependants ?? []) {
      layerOf.set(dependant, Math.max(layerOf.get(dependant) ?? 0, layer + 1));
      const left = (remaining.get(dependant) ?? 1) - 1;
      remaining.set(dependant, left);
      if (left === 0) ready.push(dependant);
    }
  }
  return { layerOf, waitsFor };
}

const byNumericId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** The run's DAG as text: one block per layer, each node with its status, timing and edges. */
export function formatDag(run: RunInspection): string {
  const { layerOf, waitsFor } = layers(run.nodes);
  const depth = Math.max(0, ...layerOf.values()) + 1;
  const total = ms(run.createdAt, run.finishedAt);
  const lines = [
    `Run ${run.id}${run.name ? ` "${run.name}"` : ''}: ${run.status}, ${plural(run.nodes.length, 'node')} in ` +
      `${plural(depth, 'layer')}${total === null ? '' : `, ${n(total)} ms from submit to finish`}`,
    `(start = when the attempt began, counted from the submit; took = how long it ran)`,
  ];
  const header = ['node', 'task', 'status', 'tries', 'start', 'took', 'waits for', 'feeds'];
  const rows: string[][] = [];
  const layerStarts: number[] = [];
  /** Row index -> the node's last error, printed under its row. */
  const errors = new Map<number, string>();
  for (let layer = 0; layer < depth; layer++) {
    const members = run.nodes.filter((node) => layerOf.get(node.id) === layer).sort((a, b) => byNumericId(a.id, b.id));
    layerStarts.push(rows.length);
    for (const node of members) {
      const start = ms(run.createdAt, node.startedAt);
      const took = ms(node.startedAt, node.finishedAt);
      const ids = (list: readonly string[]): string =>
        list.length === 0 ? '-' : [...list].sort(byNumericId).map((id) => `#${id}`).join(' ');
      rows.push([
        `#${node.id}`,
        node.task,
        node.status,
        String(node.attempts),
        start === null ? '-' : `+${n(start)} ms`,
        took === null ? '-' : `${n(took)} ms`,
        ids(waitsFor.get(node.id) ?? []),
        ids(node.dependants),
      ]);
      if (node.error) errors.set(rows.length - 1, `${node.error.name}: ${node.error.message}`);
    }
  }
  const formatted = table([header, ...rows], new Set([3, 4, 5]), '    ');
  const [headerLine = '', ...bodyLines] = formatted;
  lines.push('', headerLine);
  for (let layer = 0; layer < depth; layer++) {
    const from = layerStarts[layer] ?? 0;
    const to = layerStarts[layer + 1] ?? rows.length;
    const count = run.nodes.filter((node) => layerOf.get(node.id) === layer).length;
    const what = layer === 0 ? 'ready at submit' : count > 1 ? 'in parallel' : '';
    lines.push(`  layer ${layer} · ${plural(count, 'node')}${what ? `, ${what}` : ''}`);
    for (let row = from; row < to; row++) {
      lines.push(bodyLines[row] ?? '');
      const error = errors.get(row);
      if (error) lines.push(`           ↳ ${error}`);
    }
  }
  return lines.join('\n');
}

/** The report as text: the headline, vocabulary figures, top words and per-document profiles. */
export function formatReport(report: CorpusReport): string {
  const { stats } = report;
  const lines = [report.headline, '', 'Vocabulary'];
  const figures: string[][] = [
    ['words', `${n(stats.totalWords)} (${n(stats.distinctWords)} distinct, type/token ratio ${stats.typeTokenRatio})`],
    [
      'content words',
      `${n(stats.contentWords)} (${n(stats.distinctContentWords)} distinct) once stop words are removed`,
    ],
    ['hapax legomena', `${plural(stats.hapaxLegomena, 'word')} occur exactly once`],
    ['average length', `${stats.averageWordLength} letters`],
    ['longest words', stats.longestWords.join(', ') || '-'],
  ];
  if (stats.longestDocument) {
    figures.push(['longest text', `${stats.longestDocument.title} (${plural(stats.longestDocument.words, 'word')})`]);
  }
  if (stats.shortestDocument) {
    figures.push(['shortest text', `${stats.shortestDocument.title} (${plural(stats.shortestDocument.words, 'word')})`]);
  }
  lines.push(...table(figures, new Set()));

  lines.push('', `Top ${report.topWords.length} content words`);
  const most = Math.max(1, ...report.topWords.map((word) => word.count));
  lines.push(
    ...table(
      report.topWords.map((word, index) => [
        `${index + 1}.`,
        word.word,
        String(word.count),
        '█'.repeat(Math.max(1, Math.round((word.count / most) * 24))),
        `in ${plural(word.documents, 'document')}`,
      ]),
      new Set([0, 2]),
    ),
  );

  lines.push('', 'Most distinctive words per document (tf-idf)');
  lines.push(
    ...table(
      report.documents.map((document) => [
        document.title,
        document.author,
        `${n(document.words)} words`,
        document.distinctive.map((word) => word.word).join(', ') || '-',
      ]),
      new Set([2]),
    ),
  );
  return lines.join('\n');
}
