import { describe, expect, it } from 'vitest';
import { RUN_STATUS_NAMES, STATUS_NAMES, type StatusName } from '../../src/dashboard/api-types.js';
import { NODE_STATUSES, RUN_STATUSES } from '../../src/store/records.js';
import { buildRunView, toRanges, type ViewNode } from '../../src/dashboard/run-view.js';

/** A small DAG builder: nodes get ids '0'..'n-1' in the order added. */
function dag() {
  const nodes: { id: string; task: string; status: StatusName; attempts: number; dependants: string[]; startedAt?: Date; finishedAt?: Date }[] = [];
  const add = (task: string, status: StatusName = 'pending'): number => {
    nodes.push({ id: String(nodes.length), task, status, attempts: 0, dependants: [] });
    return nodes.length - 1;
  };
  const link = (from: number, to: number): void => void nodes[from]!.dependants.push(String(to));
  return { nodes: nodes as ViewNode[], add, link, raw: nodes };
}

/** chain(a, group(b × width), d). */
function fanOut(width: number) {
  const g = dag();
  const a = g.add('a', 'succeeded');
  const bs = Array.from({ length: width }, (_, k) => g.add('b', k % 2 === 0 ? 'succeeded' : 'running'));
  const d = g.add('d');
  for (const b of bs) {
    g.link(a, b);
    g.link(b, d);
  }
  return g;
}

describe('buildRunView', () => {
  it('collapses a wide group into one unit with its members as ranges, and dedupes the edges', () => {
    const { nodes } = fanOut(50);
    const view = buildRunView(nodes);
    expect(view.units.map((unit) => unit.id)).toEqual(['0', 'g1', '51']);
    expect(view.units[1]).toMatchObject({ kind: 'group', task: 'b', size: 50, members: [[1, 50]] });
    expect(view.edges).toEqual([
      ['0', 'g1'],
      ['g1', '51'],
    ]);
    expect(view.statuses).toBe(`4${'43'.repeat(25)}0`);
  });

  it('keeps groups below the threshold as nodes', () => {
    const view = buildRunView(fanOut(5).nodes);
    expect(view.units.every((unit) => unit.kind === 'node')).toBe(true);
    expect(view.edges).toHaveLength(10);
  });

  it('collapses group(chain(a, b)) × 100 into two group units', () => {
    const g = dag();
    const root = g.add('start');
    const ends: number[] = [];
    for (let k = 0; k < 100; k++) {
      const a = g.add('a');
      const b = g.add('b');
      g.link(root, a);
      g.link(a, b);
      ends.push(b);
    }
    const sink = g.add('sum');
    for (const b of ends) g.link(b, sink);
    const view = buildRunView(g.nodes);
    expect(view.units.map((unit) => [unit.kind, unit.id])).toEqual([
      ['node', '0'],
      ['group', 'g1'],
      ['group', 'g2'],
      ['node', '201'],
    ]);
    expect(view.edges).toEqual([
      ['0', 'g1'],
      ['g1', 'g2'],
      ['g2', '201'],
    ]);
  });

  it('does not collapse a long chain of one task (its members are linked to each other)', () => {
    const g = dag();
    for (let k = 0; k < 40; k++) {
      g.add('step');
      if (k > 0) g.link(k - 1, k);
    }
    const view = buildRunView(g.nodes);
    expect(view.units).toHaveLength(40);
  });

  it('expands a group by its id, at most maxExpanded members, the rest a remainder unit that expands further', () => {
    const { nodes } = fanOut(50);
    const view = buildRunView(nodes, { expand: new Set(['g1']), maxExpanded: 20 });
    const ids = view.units.map((unit) => unit.id);
    expect(ids.slice(0, 22)).toEqual(['0', ...Array.from({ length: 20 }, (_, k) => String(k + 1)), 'g21']);
    expect(view.units[21]).toMatchObject({ kind: 'group', size: 30, members: [[21, 50]], remainderOf: 'g1' });
    expect(view.edges).toContainEqual(['0', '1']);
    expect(view.edges).toContainEqual(['g21', '51']);
    const further = buildRunView(nodes, { expand: new Set(['g1', 'g21']), maxExpanded: 20 });
    expect(further.units.find((unit) => unit.kind === 'group')).toMatchObject({ id: 'g41', size: 10, remainderOf: 'g1' });
  });

  it('gives a group unit the earliest start and latest finish of its members', () => {
    const g = fanOut(20);
    g.raw[3]!.startedAt = new Date(1000);
    g.raw[4]!.startedAt = new Date(500);
    g.raw[5]!.finishedAt = new Date(9000);
    const unit = buildRunView(g.nodes).units[1];
    expect(unit).toMatchObject({ kind: 'group', startedAt: 500, finishedAt: 9000 });
  });

  it('writes ranges of sorted ids', () => {
    expect(toRanges([0, 1, 2, 5, 7, 8])).toEqual([
      [0, 2],
      [5, 5],
      [7, 8],
    ]);
  });

  it('draws with the store\'s statuses: the page\'s copies (api-types.ts) are the same lists in the same order', () => {
    expect(STATUS_NAMES).toEqual(NODE_STATUSES);
    expect(RUN_STATUS_NAMES).toEqual(RUN_STATUSES);
  });
});
