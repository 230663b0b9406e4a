import type { InputTemplate } from '../graph/template.js';
import { RUN_STATUSES, type RunStatus } from './records.js';

/** A run index member, which is also a `list()` cursor: "<createdAt, 15 digits>:<run id>" (submit-run). */
export const RUN_CURSOR_PATTERN = /^\d{15}:[A-Za-z0-9_-]{1,128}$/;

/** The `list()` cursor that continues after this run (its index member, as submit-run.lua writes it). */
export function runCursor(createdAtMs: number, runId: string): string {
  return `${String(createdAtMs).padStart(15, '0')}:${runId}`;
}

export interface RunMeta {
  readonly id: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly finishedAt?: number;
  readonly expiresAt?: number;
  readonly nodeCount: number;
  readonly unfinished: number;
  readonly output: InputTemplate;
  readonly failedNode?: string;
  /** How many times the run was resumed or rerun. */
  readonly reopened: number;
  readonly queues: readonly string[];
  /** The stored trace context of the run's submit span (tracing was on at submit). */
  readonly trace?: string;
  /** The expansions of its map nodes, by map node id (fields `x:<id>`, written by expand-node.lua). */
  readonly expansions: ReadonlyMap<string, Expansion>;
}

/**
 * The nodes a node added when it expanded (a map, or a replacement with `items` 0): `itemNodes`
 * item nodes at first .. (itemNodes is items, or 0 when nothing reads them), then `perItem`
 * nodes per item (one copy for a replacement).
 */
export interface Expansion {
  readonly first: number;
  readonly items: number;
  readonly perItem: number;
  readonly itemNodes: number;
}

function expansionsOf(fields: Record<string, string>): ReadonlyMap<string, Expansion> {
  const expansions = new Map<string, Expansion>();
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith('x:')) continue;
    const match = /^(\d+),(\d+),(\d+),(\d+)$/.exec(value);
    if (match) expansions.set(field.slice(2), { first: Number(match[1]), items: Number(match[2]), perItem: Number(match[3]), itemNodes: Number(match[4]) });
  }
  return expansions;
}

/** A run's meta hash (written by the scripts), or null when the run has none. */
export function parseMeta(id: string, fields: Record<string, string>): RunMeta | null {
  if (!fields.status) return null;
  const status = RUN_STATUSES.find((known) => known === fields.status);
  if (!status) throw new Error(`run ${id} has an unknown status "${fields.status}"`);
  return {
    id,
    name: fields.name ?? '',
    status,
    createdAt: Number(fields.createdAt),
    ...(fields.finishedAt ? { finishedAt: Number(fields.finishedAt) } : {}),
    ...(fields.expiresAt ? { expiresAt: Number(fields.expiresAt) } : {}),
    nodeCount: Number(fields.nodeCount),
    unfinished: Number(fields.unfinished),
    output: JSON.parse(fields.output ?? '{"list":[]}') as InputTemplate,
    ...(fields.failedNode ? { failedNode: fields.failedNode } : {}),
    reopened: Number(fields.reopened ?? 0),
    queues: JSON.parse(fields.queues ?? '[]') as string[],
    ...(fields.trace ? { trace: fields.trace } : {}),
    expansions: expansionsOf(fields),
  };
}
