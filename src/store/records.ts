import { z } from 'zod';
import { RunDamagedError } from '../errors/index.js';
import type { NodeSpec } from '../graph/spec.js';

/** Node states (a stored state's format: node-state.ts). The transitions are enforced by the Lua scripts; see docs/architecture.md. */
export const NODE_STATUSES = ['pending', 'queued', 'delayed', 'running', 'succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);


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
