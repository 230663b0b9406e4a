import type { AnyCanvas } from '../canvas/canvas.js';
import { CanvasValidationError, ReplaceTooDeepError } from '../errors/index.js';
import { compileCanvas } from '../graph/compile.js';
import { MAX_REPLACE_DEPTH } from '../graph/limits.js';
import { type PlanContext, planSubmission } from '../graph/plan.js';
import { type ElementPlan, elementPlanOf } from '../store/expansion-format.js';
import type { NodeStore, StartedNode } from '../store/node-store.js';

/**
 * The plan of the canvas a handler returned with replace(): compiled and planned here, as a
 * submit would (args checked against the contracts, queues resolved), with its first steps
 * receiving nothing (`.si()` semantics). Throws what a submit of it would, and:
 * CanvasValidationError for a `when`'s predicate (its own value picks the branch),
 * ReplaceTooDeepError past MAX_REPLACE_DEPTH replacements inside each other.
 */
export async function planReplacement(canvas: AnyCanvas, node: StartedNode, nodes: NodeStore, context: PlanContext): Promise<ElementPlan> {
  const { runId, nodeId } = node.message;
  const where = `replace() in node ${nodeId} of run ${runId}`;
  if (node.spec.branches) throw new CanvasValidationError(where, "a when's predicate cannot be replaced: its own value picks the branch");
  if (node.spec.parent !== undefined && (await nodes.replacementDepth(node, MAX_REPLACE_DEPTH)) >= MAX_REPLACE_DEPTH) {
    throw new ReplaceTooDeepError(runId, nodeId, MAX_REPLACE_DEPTH);
  }
  const compiled = compileCanvas(canvas, { maxNodes: context.maxCanvasNodes, element: { path: where, depth: 0, receivesItem: false } });
  const planned = planSubmission(compiled, context);
  if (planned.pendingChecks) await planned.pendingChecks;
  return elementPlanOf(planned.nodes, compiled.output, compiled.exits);
}
