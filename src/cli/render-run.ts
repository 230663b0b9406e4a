import { DirectedGraph } from 'graphology';
import { topologicalGenerations } from 'graphology-dag';
import type { NodeInspection, RunInspection } from '../run/run.js';
import { NODE_STATUSES } from '../store/records.js';
import { formatCount, formatDuration, formatTime, type Palette } from './format.js';

export interface RenderOptions {
  /** A layer with more nodes than this is shown as one line per (task, status). Default 12. */
  readonly collapseAbove?: number;
  /** Failed nodes listed one by one even in a collapsed layer. Default 5. */
  readonly failuresShown?: number;
  readonly now?: number;
}

/** One line of a collapsed layer: the nodes of one task in one status. */
interface Collapsed {
  readonly first: NodeInspection;
  count: number;
  /** The first failed nodes, listed one by one under the line. */
  readonly failed: NodeInspection[];
  minTries: number;
  maxTries: number;
  minTook: number;
  maxTook: number;
}

function durationOf(node: NodeInspection, now: number): number | null {
  if (!node.startedAt) return null;
  return (node.finishedAt?.getTime() ?? now) - node.startedAt.getTime();
}

function idList(ids: readonly string[], most = 6): string {
  const shown = ids.slice(0, most).map((id) => `#${id}`).join(' ');
  return ids.length > most ? `${shown} … (+${formatCount(ids.length - most)})` : shown;
}

/** `4 succeeded · 1 failed · 2 cancelled` in state order, zero counts left out. */
export function statusSummary(counts: Readonly<Record<string, number>>, colors: Palette): string {
  return NODE_STATUSES.filter((status) => (counts[status] ?? 0) > 0)
    .map((status) => colors.status(status, `${formatCount(counts[status] ?? 0)} ${status}`))
    .join(' · ');
}

/**
 * The run as text: a header, then its DAG layer by layer (a node's layer is the length of the
 * longest path to it). Each node shows its task, status, attempts, duration and, when it failed,
 * its error; each layer says which nodes it waits for, so fan-outs and joins are visible. Wide
 * layers are collapsed per task and status so that a 10,000-node run fits a screen.
 */
export function renderRun(run: RunInspection, colors: Palette, options: RenderOptions = {}): string {
  const collapseAbove = options.collapseAbove ?? 12;
  const failuresShown = options.failuresShown ?? 5;
  const now = options.now ?? Date.now();
  const graph = new DirectedGraph();
  const byId = new Map(run.nodes.map((node) => [node.id, node]));
  for (const node of run.nodes) graph.addNode(node.id);
  for (const node of run.nodes) for (const next of node.dependants) if (byId.has(next)) graph.mergeEdge(node.id, next);
  // An onError's error node has no parent: it is drawn after the nodes whose failure fires it.
  const firedBy = new Map<string, string[]>();
  for (const node of run.nodes) {
    for (const errorId of node.guardedBy ?? []) {
      if (!byId.has(errorId)) continue;
      graph.mergeEdge(node.id, errorId);
      const guarded = firedBy.get(errorId);
      if (guarded) guarded.push(node.id);
      else firedBy.set(errorId, [node.id]);
    }
  }

  const lines: string[] = [];
  const took = run.finishedAt ? `, took ${formatDuration(run.finishedAt.getTime() - run.createdAt.getTime())}` : '';
  lines.push(
    `${colors.bold(`run ${run.id}`)}${run.name ? ` "${run.name}"` : ''}  ${colors.status(run.status)}` +
      `  created ${formatTime(run.createdAt)}${took}` +
      (run.reopened > 0 ? `  reopened ${run.reopened}×` : '') +
      (run.expiresAt ? colors.dim(`  expires ${formatTime(run.expiresAt)}`) : ''),
  );
  const counts: Record<string, number> = {};
  for (const node of run.nodes) counts[node.status] = (counts[node.status] ?? 0) + 1;
  lines.push(`${formatCount(run.nodes.length)} nodes: ${statusSummary(counts, colors)}`);

  const nodeLine = (node: NodeInspection): string[] => {
    const duration = durationOf(node, now);
    const fires = firedBy.get(node.id);
    const waitsFor = fires ? [] : graph.inNeighbors(node.id);
    const parts = [
      `    #${node.id}`.padEnd(10),
      node.task.padEnd(24),
      colors.status(node.status, node.status.padEnd(10)),
      `${node.attempts} ${node.attempts === 1 ? 'try ' : 'tries'}`.padEnd(9),
      (duration === null ? '' : formatDuration(duration)).padStart(9),
      fires ? colors.dim(`  on failure of ${idList(fires)}`) : waitsFor.length > 0 ? colors.dim(`  ← ${idList(waitsFor)}`) : '',
    ];
    const out = [parts.join(' ').trimEnd()];
    if (node.expansion) {
      const { first, items, nodes, itemNodes } = node.expansion;
      const last = Number(first) + nodes - 1;
      out.push(
        colors.dim(
          items === 0
            ? `          replaced by #${first}-#${last}`
            : `          map over ${formatCount(items)} item${items === 1 ? '' : 's'}: added #${first}-#${last}` +
                (itemNodes > 0 ? ` (items #${first}-#${Number(first) + itemNodes - 1})` : ''),
        ),
      );
    }
    if (node.error && (node.status === 'failed' || node.status === 'pending' || node.status === 'queued')) {
      out.push(colors.red(`          ${node.error.name}: ${node.error.message.split('\n')[0] ?? ''}`));
    }
    return out;
  };

  const generations = topologicalGenerations(graph);
  generations.forEach((layer, depth) => {
    const nodes = layer.map((id) => byId.get(id)).filter((node): node is NodeInspection => node !== undefined);
    const upstream = new Set<string>();
    for (const id of layer) graph.forEachInNeighbor(id, (from) => upstream.add(from));
    let shape = '';
    if (depth === 0) shape = 'ready at submit';
    else if (nodes.length === 1 && upstream.size > 1) shape = `joins ${formatCount(upstream.size)} nodes`;
    else if (nodes.length > 1 && upstream.size === 1) shape = `fans out from ${idList([...upstream])}`;
    else if (nodes.length > 1) shape = 'in parallel';
    lines.push(colors.dim(`  layer ${depth} · ${formatCount(nodes.length)} node${nodes.length === 1 ? '' : 's'}${shape ? `, ${shape}` : ''}`));

    if (nodes.length <= collapseAbove) {
      for (const node of nodes) lines.push(...nodeLine(node));
      return;
    }
    // Collapsed: one line per task and status, with the range of attempts and durations. Each
    // node is looked at once (a run may be 200,000 wide), and no list is spread into a call.
    const groups = new Map<string, Collapsed>();
    for (const node of nodes) {
      const key = `${node.task}\u0000${node.status}`;
      let group = groups.get(key);
      if (!group) {
        group = { first: node, count: 0, failed: [], minTries: Infinity, maxTries: -Infinity, minTook: Infinity, maxTook: -Infinity };
        groups.set(key, group);
      }
      group.count++;
      group.minTries = Math.min(group.minTries, node.attempts);
      group.maxTries = Math.max(group.maxTries, node.attempts);
      const duration = durationOf(node, now);
      if (duration !== null) {
        group.minTook = Math.min(group.minTook, duration);
        group.maxTook = Math.max(group.maxTook, duration);
      }
      if (node.status === 'failed' && group.failed.length < failuresShown) group.failed.push(node);
    }
    for (const group of groups.values()) {
      const { first } = group;
      const tries = group.minTries === group.maxTries ? `${group.minTries}` : `${group.minTries}-${group.maxTries}`;
      const took = group.minTook <= group.maxTook ? `, ${formatDuration(group.minTook)}-${formatDuration(group.maxTook)}` : '';
      lines.push(
        `    ${first.task} × ${formatCount(group.count)} ${colors.status(first.status)}` + colors.dim(`  (tries ${tries}${took})`),
      );
      if (first.status === 'failed') {
        for (const node of group.failed) lines.push(...nodeLine(node));
        if (group.count > failuresShown) lines.push(colors.dim(`      … and ${formatCount(group.count - failuresShown)} more failed`));
      }
    }
  });
  return lines.join('\n');
}
