import { z } from 'zod';
import { RunDamagedError } from '../errors/index.js';
import type { NodeSpec } from '../graph/spec.js';
import type { InputTemplate } from '../graph/template.js';

/** Node states (a stored state's format: node-state.ts). The transitions are enforced by the Lua scripts; see docs/architecture.md. */
export const NODE_STATUSES = ['pending', 'queued', 'delayed', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

const templateSchema: z.ZodType<InputTemplate> = z.lazy(() =>
  z.union([
    z.object({ node: z.string() }),
    z.object({ list: z.array(templateSchema) }),
    z.object({ range: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]) }),
  ]),
);

/** Parses a stored NodeSpec (graph/spec.ts). */
export const nodeSpecSchema: z.ZodType<NodeSpec> = z.object({
  task: z.string(),
  args: z.array(z.unknown()),
  input: templateSchema.optional(),
  queue: z.string(),
  priority: z.number().int().optional(),
  countdownMs: z.number().optional(),
  etaMs: z.number().optional(),
  next: z.array(z.string()).optional(),
  after: z.array(z.string()).optional(),
  nextQueues: z.array(z.string()).optional(),
});

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
