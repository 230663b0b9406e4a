// Lays a run's units out left to right with dagre. Pure: units and edges in, boxes and edge points
// out, so the layout is computed once per fetched view and never on a status change.
import dagre, { type Edge, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import type { ViewUnit } from '../../api-types.js';

export const NODE_SIZE = { width: 190, height: 58 } as const;
export const GROUP_SIZE = { width: 280, height: 84 } as const;

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface EdgePath {
  readonly from: string;
  readonly to: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface Layout {
  readonly width: number;
  readonly height: number;
  /** In the order of the units. */
  readonly boxes: readonly Box[];
  readonly edges: readonly EdgePath[];
}

export function layoutUnits(units: readonly ViewUnit[], edges: readonly (readonly [string, string])[]): Layout {
  const graph = new dagre.graphlib.Graph<GraphLabel, NodeLabel, EdgeLabel>();
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 20, marginy: 20 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const unit of units) graph.setNode(unit.id, { ...(unit.kind === 'group' ? GROUP_SIZE : NODE_SIZE) });
  for (const [from, to] of edges) if (graph.hasNode(from) && graph.hasNode(to)) graph.setEdge(from, to);
  dagre.layout(graph);
  const boxes = units.map((unit) => {
    const label = graph.node(unit.id);
    const size = unit.kind === 'group' ? GROUP_SIZE : NODE_SIZE;
    // dagre gives centres; the drawing wants top-left corners.
    return { x: (label.x ?? 0) - size.width / 2, y: (label.y ?? 0) - size.height / 2, width: size.width, height: size.height };
  });
  const paths = graph.edges().map((edge: Edge) => ({ from: edge.v, to: edge.w, points: graph.edge(edge).points ?? [] }));
  const label = graph.graph();
  return { width: label.width ?? 0, height: label.height ?? 0, boxes, edges: paths };
}

/** An SVG path through dagre's points, smoothed with quadratic curves between midpoints. */
export function pathData(points: readonly { readonly x: number; readonly y: number }[]): string {
  const [first, ...rest] = points;
  if (first === undefined) return '';
  if (rest.length < 2) return `M${first.x},${first.y}` + rest.map((p) => `L${p.x},${p.y}`).join('');
  let d = `M${first.x},${first.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += `Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = rest[rest.length - 1]!;
  return `${d}L${last.x},${last.y}`;
}
