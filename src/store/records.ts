import { z } from 'zod';
import { RunDamagedError } from '../errors/index.js';
import type { NodeSpec } from '../graph/spec.js';

/** Node states. The transitions are enforced by the Lua scripts; see docs/architecture.md. */
export const NODE_STATUSES = ['pending', 'queued', 'delayed', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** Where a node stands: stored as JSON in the run's `nodes` hash, changed only by scripts. */
export const nodeStateSchema = z.object({
  status: z.enum(NODE_STATUSES),
  waiting: z.number().optional(),
  attempts: z.number().optional(),
  leaseExpiries: z.number().optional(),
  attemptOffset: z.number().optional(),
  delivery: z.number().optional(),
  queuedAt: z.number().optional(),
  startedAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** The JSON text the current attempt last gave taskContext().progress() (record-progress.lua). */
  progress: z.string().optional(),
  /** Set while a reopen sweep reset the node ahead of its turn: the sweep's token (reopen-nodes.lua). */
  hold: z.number().optional(),
  /** With `hold`: the rerun reaches the node, so its dependants are reset too; 2 when it was succeeded until then (reopen-nodes.lua). */
  rerun: z.number().optional(),
});
export type NodeState = z.infer<typeof nodeStateSchema>;

/** The state of a root that has not started since submit: none is stored (submit-run). */
export const INITIAL_ROOT_STATE: NodeState = { status: 'queued', delivery: 1 };

/** A root's stored state omits queuedAt until it is enqueued again: it was queued at the run's creation. */
export function withStateDefaults(state: NodeState, createdAt: number): NodeState {
  return state.queuedAt === undefined && state.delivery !== undefined ? { ...state, queuedAt: createdAt } : state;
}

export const nodeErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
});

/**
 * Why a node with no stored state is damage (the text for RunDamagedError), or null when it may
 * lack one: only a root that never started has none (submit-run), so never a node with parents
 * (an input or `after`), nor any node of a succeeded run. repair-run.lua applies the same rule.
 */
export function stateMissingDamage(nodeId: string, spec: NodeSpec, runStatus: RunStatus): string | null {
  if (spec.input !== undefined || spec.after !== undefined || runStatus === 'succeeded') return `node ${nodeId} has no state`;
  return null;
}

/** A stored value of a run that does not parse or validate is damage, never a SyntaxError or ZodError. */
export function parseStored<T>(runId: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new RunDamagedError(runId, `${what} is malformed`, { cause: error });
  }
}
