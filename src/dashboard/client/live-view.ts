// A run's view kept current by its events. Built once per fetched RunView in O(nodes): a node id
// maps to its drawn unit through a typed array filled from the groups' member ranges, so each
// event costs O(1) (a group's counts move by one) and never relayouts the drawing.
import { STATUS_NAMES, type EventJson, type RunHeader, type RunView, type StatusName, type ViewUnit } from '../api-types.js';
import { isFinished, statusOfCode, statusOfEvent } from './format.js';

const STATUS_INDEX: Readonly<Record<StatusName, number>> = Object.fromEntries(STATUS_NAMES.map((name, index) => [name, index])) as Record<StatusName, number>;
const ZERO = 48; // '0'

/** Status indexes, most advanced first: how counts are listed and stacked in bars. */
export const DISPLAY_ORDER: readonly number[] = (['succeeded', 'failed', 'running', 'queued', 'delayed', 'pending', 'cancelled', 'skipped'] as const).map((status) => STATUS_INDEX[status]);

/** The statuses of a node still to run or running. */
const ACTIVE_CODES: ReadonlySet<number> = new Set((['pending', 'queued', 'delayed', 'running'] as const).map((status) => STATUS_INDEX[status]));

export type ApplyResult = 'changed' | 'unchanged' | 'unknown-node' | 'run';

export class LiveView {
  readonly units: readonly ViewUnit[];
  readonly edges: readonly (readonly [string, string])[];
  readonly after: string;
  run: RunHeader;
  /** Node id → status index. */
  readonly codes: Uint8Array;
  /** Node id → index of the unit that draws it, -1 when none does. */
  readonly nodeUnit: Int32Array;
  readonly unitIndex = new Map<string, number>();
  /** Per unit: counts by status index (a node unit counts its one node). */
  readonly counts: Int32Array[];
  /** Per unit: attempts, first start and last finish, moved by events (NaN when unknown). */
  readonly attempts: Int32Array;
  readonly startedAt: Float64Array;
  readonly finishedAt: Float64Array;

  constructor(view: RunView) {
    this.units = view.units;
    this.edges = view.edges;
    this.after = view.after;
    this.run = view.run;
    const n = view.statuses.length;
    this.codes = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.codes[i] = view.statuses.charCodeAt(i) - ZERO;
    this.nodeUnit = new Int32Array(n).fill(-1);
    this.counts = [];
    this.attempts = new Int32Array(view.units.length);
    this.startedAt = new Float64Array(view.units.length).fill(NaN);
    this.finishedAt = new Float64Array(view.units.length).fill(NaN);
    view.units.forEach((unit, u) => {
      this.unitIndex.set(unit.id, u);
      const counts = new Int32Array(STATUS_NAMES.length);
      if (unit.kind === 'node') {
        const id = Number(unit.id);
        if (Number.isInteger(id) && id >= 0 && id < n) {
          this.nodeUnit[id] = u;
          counts[this.codes[id] ?? 0]! += 1;
        }
        this.attempts[u] = unit.node.attempts;
        this.startedAt[u] = unit.node.startedAt ?? NaN;
        this.finishedAt[u] = unit.node.finishedAt ?? NaN;
      } else {
        for (const [from, to] of unit.members) {
          const end = Math.min(to, n - 1);
          this.nodeUnit.fill(u, from, end + 1);
          for (let id = from; id <= end; id++) counts[this.codes[id] ?? 0]! += 1;
        }
        this.startedAt[u] = unit.startedAt ?? NaN;
        this.finishedAt[u] = unit.finishedAt ?? NaN;
      }
      this.counts.push(counts);
    });
  }

  statusOfUnit(u: number): StatusName {
    const unit = this.units[u];
    if (unit === undefined) return 'pending';
    if (unit.kind === 'node') return statusOfCode(this.codes[Number(unit.id)] ?? 0);
    return groupStatus(this.counts[u]!);
  }

  statusOfNode(id: number): StatusName {
    return statusOfCode(this.codes[id] ?? 0);
  }

  /**
   * The run finished and none of its nodes is still to run: in a failed run, an onError's
   * callback runs after the run's status is final, and the page follows it too.
   */
  get finished(): boolean {
    if (!isFinished(this.run.status)) return false;
    for (const code of this.codes) if (ACTIVE_CODES.has(code)) return false;
    return true;
  }

  /** Applies one event of this run; 'unknown-node' asks the caller to refetch the view. */
  apply(event: EventJson): ApplyResult {
    switch (event.type) {
      case 'run.succeeded':
        this.run = { ...this.run, status: 'succeeded', finishedAt: event.at };
        return 'run';
      case 'run.failed':
        this.run = { ...this.run, status: 'failed', finishedAt: event.at, failedNode: event.failedNode ?? this.run.failedNode };
        return 'run';
      case 'run.cancelled':
        this.run = { ...this.run, status: 'cancelled', finishedAt: event.at };
        return 'run';
      case 'run.reopened': {
        const { finishedAt: _finished, failedNode: _failed, ...rest } = this.run;
        this.run = { ...rest, status: 'running', reopened: this.run.reopened + 1 };
        return 'run';
      }
    }
    const next = statusOfEvent(event);
    if (next === undefined || event.nodeId === undefined) return 'unchanged';
    const id = Number(event.nodeId);
    const u = Number.isInteger(id) && id >= 0 && id < this.nodeUnit.length ? this.nodeUnit[id]! : -1;
    if (u < 0) return 'unknown-node';
    const code = STATUS_INDEX[next];
    const old = this.codes[id]!;
    if (old !== code) {
      this.codes[id] = code;
      const counts = this.counts[u]!;
      counts[old]! -= 1;
      counts[code]! += 1;
    }
    if (next === 'running') {
      if (event.attempt !== undefined) this.attempts[u] = Math.max(this.attempts[u]!, event.attempt);
      const start = this.startedAt[u]!;
      if (Number.isNaN(start) || (this.units[u]?.kind === 'node' ? true : event.at < start)) this.startedAt[u] = event.at;
      if (this.units[u]?.kind === 'node') this.finishedAt[u] = NaN;
    } else if (isFinished(next)) {
      const finish = this.finishedAt[u]!;
      if (Number.isNaN(finish) || event.at > finish) this.finishedAt[u] = event.at;
    }
    return 'changed';
  }
}

/** A collapsed group's colour: the most telling state among its members. */
export function groupStatus(counts: Int32Array): StatusName {
  const has = (status: StatusName): boolean => (counts[STATUS_INDEX[status]] ?? 0) > 0;
  if (has('running')) return 'running';
  if (has('failed')) return 'failed';
  if (has('queued') || has('delayed')) return 'queued';
  if (has('pending')) return has('succeeded') ? 'running' : 'pending';
  if (has('cancelled')) return 'cancelled';
  if (has('succeeded')) return 'succeeded';
  return has('skipped') ? 'skipped' : 'succeeded';
}

/** "9,812 succeeded, 150 running, 38 queued": the non-zero counts, most advanced first. */
export function countsText(counts: Int32Array): string {
  const format = new Intl.NumberFormat('en-US');
  return DISPLAY_ORDER.filter((index) => (counts[index] ?? 0) > 0)
    .map((index) => `${format.format(counts[index] ?? 0)} ${statusOfCode(index)}`)
    .join(', ');
}

/** The node ids of a unit, for listing a group's failed members. */
export function* memberIds(unit: ViewUnit): Generator<number> {
  if (unit.kind === 'node') {
    yield Number(unit.id);
    return;
  }
  for (const [from, to] of unit.members) for (let id = from; id <= to; id++) yield id;
}
