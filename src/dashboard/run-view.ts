/**
 * A run's DAG as the page draws it (pure: no I/O). A 100,000-node run cannot be drawn node by
 * node, so alike nodes are collapsed into one box. "Alike" is found by colour refinement
 * (Weisfeiler–Lehman): every node starts with its task name as colour, then each round recolours
 * it by (its colour, the set of its parents' colours, the set of its dependants' colours), until
 * the number of colours stops growing. A colour class of at least `threshold` nodes with no edge
 * among its members is a wide group's members (a `group` unit); group(chain(a, b)) × 1000 thus
 * becomes two units, a's and b's. Sets, not lists, so a member's place in the group does not
 * matter.
 */
import { STATUS_NAMES, type NodeBrief, type StatusName, type ViewUnit } from './api-types.js';
import { ERROR_TASK } from '../graph/spec.js';

/** What the view needs of a node: NodeInspection fits. */
export interface ViewNode {
  readonly id: string;
  readonly task: string;
  readonly status: StatusName;
  readonly attempts: number;
  readonly dependants: readonly string[];
  readonly queuedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
}

export interface RunViewOptions {
  /** Group unit ids (`g<id>`) to draw as individual nodes. */
  readonly expand?: ReadonlySet<string>;
  /** Smallest colour class collapsed into a group unit. Default 12. */
  readonly threshold?: number;
  /** Members drawn per expanded group; the rest stay one unit (itself expandable by its id). Default 500. */
  readonly maxExpanded?: number;
  /** Most refinement rounds. Default 30. */
  readonly maxRounds?: number;
}

export interface RunGraphView {
  readonly statuses: string;
  readonly units: readonly ViewUnit[];
  readonly edges: readonly (readonly [string, string])[];
}

export const DEFAULT_GROUP_THRESHOLD = 12;
export const DEFAULT_MAX_EXPANDED = 500;
const DEFAULT_MAX_ROUNDS = 30;

/** Compressed adjacency (CSR): node i's neighbours are targets[offsets[i]..offsets[i+1]). */
interface Adjacency {
  readonly offsets: Int32Array;
  readonly targets: Int32Array;
}

function buildAdjacency(nodes: readonly ViewNode[]): { children: Adjacency; parents: Adjacency } {
  const n = nodes.length;
  // Ids are '0'..'n-1' in order today; a map keeps the view right if that ever changes.
  const inOrder = nodes.every((node, index) => node.id === String(index));
  const indexOf = inOrder ? null : new Map(nodes.map((node, index) => [node.id, index]));
  const resolve = (id: string): number => (indexOf ? (indexOf.get(id) ?? -1) : Number(id));
  const childOffsets = new Int32Array(n + 1);
  const parentCounts = new Int32Array(n + 1);
  let edgeCount = 0;
  for (let i = 0; i < n; i++) {
    childOffsets[i] = edgeCount;
    for (const id of nodes[i]!.dependants) {
      const j = resolve(id);
      if (j >= 0 && j < n) edgeCount++;
    }
  }
  childOffsets[n] = edgeCount;
  const childTargets = new Int32Array(edgeCount);
  let at = 0;
  for (let i = 0; i < n; i++) {
    for (const id of nodes[i]!.dependants) {
      const j = resolve(id);
      if (j < 0 || j >= n) continue;
      childTargets[at++] = j;
      parentCounts[j + 1]!++;
    }
  }
  const parentOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) parentOffsets[i + 1] = parentOffsets[i]! + parentCounts[i + 1]!;
  const fill = parentOffsets.slice(0, n);
  const parentTargets = new Int32Array(edgeCount);
  for (let i = 0; i < n; i++) {
    for (let e = childOffsets[i]!; e < childOffsets[i + 1]!; e++) parentTargets[fill[childTargets[e]!]!++] = i;
  }
  return { children: { offsets: childOffsets, targets: childTargets }, parents: { offsets: parentOffsets, targets: parentTargets } };
}

/** The final colour of every node (colour ids are dense, 0..count-1). */
function refineColours(nodes: readonly ViewNode[], children: Adjacency, parents: Adjacency, maxRounds: number): Int32Array {
  const n = nodes.length;
  let colours = new Int32Array(n);
  const byTask = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const task = nodes[i]!.task;
    let colour = byTask.get(task);
    if (colour === undefined) byTask.set(task, (colour = byTask.size));
    colours[i] = colour;
  }
  let count = byTask.size;
  // seen[c] === stamp marks colour c as already taken for the node being keyed (dedupe without a Set).
  let seen = new Int32Array(count);
  let stamp = 0;
  // The distinct colours of node i's neighbours, sorted, into `out`.
  const colourSet = (adjacency: Adjacency, i: number, current: Int32Array, out: number[]): void => {
    stamp++;
    out.length = 0;
    for (let e = adjacency.offsets[i]!; e < adjacency.offsets[i + 1]!; e++) {
      const colour = current[adjacency.targets[e]!]!;
      if (seen[colour] !== stamp) {
        seen[colour] = stamp;
        out.push(colour);
      }
    }
    if (out.length > 1) out.sort((a, b) => a - b);
  };
  const parentColours: number[] = [];
  const childColours: number[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const next = new Int32Array(n);
    // Most nodes have at most one parent colour and one dependant colour: their signature is a
    // number (cheaper to hash than text); the others are keyed by text. Both share one counter.
    const base = count + 1;
    const numeric = base * base * base < Number.MAX_SAFE_INTEGER;
    const byNumber = new Map<number, number>();
    const byText = new Map<string, number>();
    let made = 0;
    for (let i = 0; i < n; i++) {
      colourSet(parents, i, colours, parentColours);
      colourSet(children, i, colours, childColours);
      let colour: number | undefined;
      if (numeric && parentColours.length <= 1 && childColours.length <= 1) {
        const key = (colours[i]! * base + (parentColours[0] ?? -1) + 1) * base + (childColours[0] ?? -1) + 1;
        colour = byNumber.get(key);
        if (colour === undefined) byNumber.set(key, (colour = made++));
      } else {
        const key = `${colours[i]!}|${parentColours.join(',')}|${childColours.join(',')}`;
        colour = byText.get(key);
        if (colour === undefined) byText.set(key, (colour = made++));
      }
      next[i] = colour;
    }
    // The own colour is part of the key, so classes only ever split: equal counts mean stable.
    const grew = made > count;
    colours = next;
    count = made;
    if (!grew) break;
    if (seen.length < count) seen = new Int32Array(count);
    stamp = 0;
    seen.fill(0);
  }
  return colours;
}

/** Sorted ids as inclusive ranges: [0,1,2,5] → [[0,2],[5,5]]. */
export function toRanges(sorted: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const id of sorted) {
    const last = ranges.at(-1);
    if (last && id === last[1] + 1) last[1] = id;
    else ranges.push([id, id]);
  }
  return ranges;
}

function ms(date: Date | undefined): number | undefined {
  return date === undefined ? undefined : date.getTime();
}

function brief(node: ViewNode): NodeBrief {
  const queuedAt = ms(node.queuedAt);
  const startedAt = ms(node.startedAt);
  const finishedAt = ms(node.finishedAt);
  return {
    id: node.id,
    task: node.task,
    attempts: node.attempts,
    ...(queuedAt !== undefined ? { queuedAt } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}

/** One character per node: its status's index in STATUS_NAMES. */
export function statusString(nodes: readonly ViewNode[]): string {
  const codes = new Uint8Array(nodes.length);
  const zero = '0'.charCodeAt(0);
  const index = new Map<string, number>(STATUS_NAMES.map((name, position) => [name, position]));
  for (let i = 0; i < nodes.length; i++) codes[i] = zero + (index.get(nodes[i]!.status) ?? 0);
  return new TextDecoder('latin1').decode(codes);
}

/**
 * The nodes with each map item drawn as feeding the element nodes it went to (the first steps
 * get the item as their first arg, not as an input they read, so no dependency records it): each
 * item node gets the roots of its element run as dependants; without item nodes, the nodes the
 * map node reads its list from do. Other nodes are returned as they are.
 */
export function withItemEdges<N extends ViewNode & { readonly expansion?: { readonly first: string; readonly items: number; readonly nodes: number; readonly itemNodes: number } }>(
  nodes: readonly N[],
): readonly N[] {
  if (!nodes.some((node) => node.expansion !== undefined && node.expansion.items > 0)) return nodes;
  const out = [...nodes];
  const byId = (id: number): N | undefined => (out[id]?.id === String(id) ? out[id] : undefined);
  // The edges each feeder gains, added once at the end (a 10,000-item map: one list, not 10,000 copies).
  const gained = new Map<number, string[]>();
  for (const node of nodes) {
    if (!node.expansion || node.expansion.items === 0) continue;
    const first = Number(node.expansion.first);
    const { items, itemNodes } = node.expansion;
    const perItem = (node.expansion.nodes - itemNodes) / items;
    // The map node's own parents: the nodes before it that it waits for.
    const mapId = Number(node.id);
    const feeders = out.filter((other) => Number(other.id) < mapId && other.dependants.includes(node.id)).map((other) => Number(other.id));
    for (let item = 0; item < items; item++) {
      const from = first + itemNodes + item * perItem;
      const fed = new Set<string>();
      for (let id = from; id < from + perItem; id++) for (const dependant of byId(id)?.dependants ?? []) fed.add(dependant);
      const roots: string[] = [];
      // (An onError's error node has no parent either, but nothing feeds it: withErrorEdges draws it.)
      for (let id = from; id < from + perItem; id++) if (!fed.has(String(id)) && byId(id)?.task !== ERROR_TASK) roots.push(String(id));
      for (const source of itemNodes > 0 ? [first + item] : feeders) {
        const list = gained.get(source) ?? [];
        for (const root of roots) list.push(root);
        gained.set(source, list);
      }
    }
  }
  for (const [source, extra] of gained) {
    const feeder = byId(source);
    if (feeder) out[source] = { ...feeder, dependants: [...feeder.dependants, ...extra] };
  }
  return out;
}

/**
 * An onError's error node (task `celeriac:error`) has no parent: for drawing, each node it
 * guards gets it as a dependant, so it sits after the element whose failure fires it. Other
 * nodes are returned as they are.
 */
export function withErrorEdges<N extends ViewNode & { readonly guardedBy?: readonly string[] }>(nodes: readonly N[]): readonly N[] {
  if (!nodes.some((node) => node.guardedBy !== undefined)) return nodes;
  return nodes.map((node) => (node.guardedBy ? { ...node, dependants: [...node.dependants, ...node.guardedBy] } : node));
}

/** The drawable view of a run's nodes: units (nodes and collapsed groups), edges between units, statuses. */
export function buildRunView(nodes: readonly ViewNode[], options: RunViewOptions = {}): RunGraphView {
  const threshold = options.threshold ?? DEFAULT_GROUP_THRESHOLD;
  const maxExpanded = options.maxExpanded ?? DEFAULT_MAX_EXPANDED;
  const expand = options.expand ?? new Set<string>();
  const n = nodes.length;
  const { children, parents } = buildAdjacency(nodes);
  const colours = refineColours(nodes, children, parents, options.maxRounds ?? DEFAULT_MAX_ROUNDS);

  const classes = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const colour = colours[i]!;
    const members = classes.get(colour);
    if (members) members.push(i);
    else classes.set(colour, [i]);
  }
  const collapsible = new Set<number>();
  for (const [colour, members] of classes) {
    if (members.length < threshold) continue;
    const internal = members.some((i) => {
      for (let e = children.offsets[i]!; e < children.offsets[i + 1]!; e++) if (colours[children.targets[e]!] === colour) return true;
      return false;
    });
    if (!internal) collapsible.add(colour);
  }

  // unitOf[i]: the index in `units` of the unit drawing node i. Units are made in order of their
  // smallest member, which (ids follow the canvas) reads roughly left to right.
  const unitOf = new Int32Array(n).fill(-1);
  const units: ViewUnit[] = [];
  const numericId = (i: number): number => Number(nodes[i]!.id);
  const groupUnit = (members: readonly number[], remainderOf?: string): ViewUnit => {
    let startedAt: number | undefined;
    let finishedAt: number | undefined;
    for (const i of members) {
      const started = ms(nodes[i]!.startedAt);
      const finished = ms(nodes[i]!.finishedAt);
      if (started !== undefined && (startedAt === undefined || started < startedAt)) startedAt = started;
      if (finished !== undefined && (finishedAt === undefined || finished > finishedAt)) finishedAt = finished;
    }
    const ids = members.map(numericId).sort((a, b) => a - b);
    return {
      kind: 'group',
      id: `g${ids[0]!}`,
      task: nodes[members[0]!]!.task,
      size: members.length,
      members: toRanges(ids),
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      ...(remainderOf !== undefined ? { remainderOf } : {}),
    };
  };
  for (let i = 0; i < n; i++) {
    if (unitOf[i] !== -1) continue;
    const colour = colours[i]!;
    if (!collapsible.has(colour)) {
      unitOf[i] = units.length;
      units.push({ kind: 'node', id: nodes[i]!.id, node: brief(nodes[i]!) });
      continue;
    }
    // A collapsed class, drawn in chunks: each expanded chunk start shows maxExpanded members and
    // hands the rest on as a group unit whose own id expands the next chunk.
    const members = classes.get(colour)!;
    let start = 0;
    let firstId: string | undefined;
    while (start < members.length) {
      const chunkId = `g${numericId(members[start]!)}`;
      firstId ??= chunkId;
      if (!expand.has(chunkId)) {
        const rest = members.slice(start);
        for (const m of rest) unitOf[m] = units.length;
        units.push(groupUnit(rest, start > 0 ? firstId : undefined));
        break;
      }
      const end = Math.min(members.length, start + maxExpanded);
      for (let k = start; k < end; k++) {
        const m = members[k]!;
        unitOf[m] = units.length;
        units.push({ kind: 'node', id: nodes[m]!.id, node: brief(nodes[m]!) });
      }
      start = end;
    }
  }

  const seenEdges = new Set<number>();
  const edges: [string, string][] = [];
  const unitCount = units.length;
  for (let i = 0; i < n; i++) {
    const from = unitOf[i]!;
    for (let e = children.offsets[i]!; e < children.offsets[i + 1]!; e++) {
      const to = unitOf[children.targets[e]!]!;
      if (from === to) continue;
      const key = from * unitCount + to;
      if (seenEdges.has(key)) continue;
      seenEdges.add(key);
      edges.push([units[from]!.id, units[to]!.id]);
    }
  }
  return { statuses: statusString(nodes), units, edges };
}
