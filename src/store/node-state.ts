import { RunDamagedError } from '../errors/index.js';
import { NODE_STATUS_CODES } from './lua-constants.js';
import { NODE_STATUSES, type NodeStatus } from './records.js';

/**
 * The one TypeScript reader of a node's stored state (a field of the run's `nodes` hash),
 * written only by the scripts through includes/node-state.lua, which describes the format: one
 * positional text, `status|waiting|attempts|leaseExpiries|attemptOffset|delivery|queuedAt|startedAt|finishedAt|hold|rerun|span|progress`,
 * the status as its one-character code, an absent field empty, progress last (it may hold '|').
 */

/** Where a node stands. The transitions are enforced by the Lua scripts; see docs/architecture.md. */
export interface NodeState {
  readonly status: NodeStatus;
  readonly waiting?: number;
  readonly attempts?: number;
  readonly leaseExpiries?: number;
  readonly attemptOffset?: number;
  readonly delivery?: number;
  readonly queuedAt?: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** The JSON text the current attempt last gave taskContext().progress() (record-progress.lua). */
  readonly progress?: string;
  /** Set while a reopen sweep reset the node ahead of its turn: the sweep's token (reopen-nodes.lua). */
  readonly hold?: number;
  /** With `hold`: the rerun reaches the node, so its dependants are reset too; 2 when it was succeeded until then (reopen-nodes.lua). */
  readonly rerun?: number;
}

const STATUS_BY_CODE: ReadonlyMap<string, NodeStatus> = new Map(NODE_STATUSES.map((status) => [NODE_STATUS_CODES[status], status]));
// The same pattern as STATE_PATTERN in includes/node-state.lua (the span, field 12, is Lua's alone).
const STATE_PATTERN = /^([a-z])\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|(\d*)\|[^|]*\|([\s\S]*)$/;
const NUMBER_FIELDS = ['waiting', 'attempts', 'leaseExpiries', 'attemptOffset', 'delivery', 'queuedAt', 'startedAt', 'finishedAt', 'hold', 'rerun'] as const;

/** A stored state, or null when the text is in no format the scripts write (an older format, or damage). */
export function decodeNodeState(text: string): NodeState | null {
  const match = STATE_PATTERN.exec(text);
  const status = match ? STATUS_BY_CODE.get(match[1]!) : undefined;
  if (!match || status === undefined) return null;
  const state: { -readonly [K in keyof NodeState]: NodeState[K] } = { status };
  NUMBER_FIELDS.forEach((field, index) => {
    const value = match[index + 2]!;
    if (value !== '') state[field] = Number(value);
  });
  const progress = match[12]!;
  if (progress !== '') state.progress = progress;
  return state;
}

/** The state of a root that has not started since submit, which has none stored (submit-run). */
export function initialRootState(createdAt: number): NodeState {
  return { status: 'queued', delivery: 1, queuedAt: createdAt };
}

/**
 * A node's state as a reader shows it: `text` as stored, or null when none is (a root that never
 * started: the caller has ruled out damage, see stateMissingDamage in records.ts). A text that
 * does not decode is a RunDamagedError. A root's state omits queuedAt until it is enqueued again:
 * it was queued at the run's creation.
 */
export function readNodeState(runId: string, nodeId: string, text: string | null | undefined, createdAt: number): NodeState {
  if (text === null || text === undefined) return initialRootState(createdAt);
  const state = decodeNodeState(text);
  if (state === null) throw new RunDamagedError(runId, `the state of node ${nodeId} is malformed`);
  return state.queuedAt === undefined && state.delivery !== undefined ? { ...state, queuedAt: createdAt } : state;
}

/** The status alone (a run's progress counts), from the state's first field. */
export function nodeStatusOf(runId: string, text: string): NodeStatus {
  const status = text.charAt(1) === '|' ? STATUS_BY_CODE.get(text.charAt(0)) : undefined;
  if (status === undefined) throw new RunDamagedError(runId, 'a node state is malformed');
  return status;
}
