import type { ReopenOutcome } from '../../run/run.js';
import type { ActionResult } from '../api-types.js';
import type { RequestContext } from '../context.js';
import { checkAction } from '../guard.js';
import { badRequest, readJsonBody } from '../http.js';
import { nodeIdParam, runIdParam } from '../params.js';

const plural = (count: number, noun: string): string => `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;

function reopenMessage(verb: string, outcome: ReopenOutcome): string {
  if (!outcome.changed) return `Nothing to do: the run is ${outcome.status}`;
  return `${verb}: ${plural(outcome.resetNodes, 'node')} reset, ${outcome.enqueuedNodes.toLocaleString('en-US')} enqueued`;
}

/** POST /api/runs/:id/resume */
export async function resumeRun({ app, settings, req, params }: RequestContext): Promise<ActionResult> {
  checkAction(req.headers, settings);
  const outcome = await app.getRun(runIdParam(params.id)).resume();
  return { message: reopenMessage('Resumed', outcome), outcome: { ...outcome } };
}

function fromOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body', 'must be a JSON object such as {"from": "3"}');
  const from: unknown = (body as { from?: unknown }).from;
  if (from === undefined || from === null) return undefined;
  if (typeof from !== 'string') throw badRequest('from', 'must be a node id (a string)');
  return nodeIdParam(from);
}

/** POST /api/runs/:id/rerun {from?}: from a node, or without one from every root (the whole run). */
export async function rerunRun({ app, settings, req, params }: RequestContext): Promise<ActionResult> {
  checkAction(req.headers, settings);
  const run = app.getRun(runIdParam(params.id));
  const from = fromOf(await readJsonBody(req));
  if (from !== undefined) {
    const outcome = await run.rerun({ from });
    return { message: reopenMessage(`Rerun from node ${from}`, outcome), outcome: { ...outcome, from } };
  }
  const { nodes } = await run.inspect();
  const hasParent = new Set(nodes.flatMap((node) => node.dependants));
  const roots = nodes.filter((node) => !hasParent.has(node.id)).map((node) => node.id);
  let resetNodes = 0;
  let enqueuedNodes = 0;
  let last: ReopenOutcome | null = null;
  // Each root's rerun resets it and everything downstream: together, the whole run.
  for (const root of roots) {
    last = await run.rerun({ from: root });
    resetNodes += last.resetNodes;
    enqueuedNodes += last.enqueuedNodes;
  }
  const outcome: ReopenOutcome = { changed: resetNodes > 0, status: last?.status ?? 'running', resetNodes, enqueuedNodes };
  return { message: reopenMessage('Rerun of the whole run', outcome), outcome: { ...outcome, roots } };
}

/** POST /api/runs/:id/cancel */
export async function cancelRun({ app, settings, req, params }: RequestContext): Promise<ActionResult> {
  checkAction(req.headers, settings);
  const outcome = await app.getRun(runIdParam(params.id)).cancel();
  const message = outcome.changed
    ? `Cancelled: ${plural(outcome.cancelledNodes, 'node')} will not start, ${outcome.runningNodes.toLocaleString('en-US')} running told to stop`
    : `Nothing to cancel: the run already ended (${outcome.status})`;
  return { message, outcome: { ...outcome } };
}

/** POST /api/dead-letters/clear */
export async function clearDeadLetters({ app, settings, req }: RequestContext): Promise<ActionResult> {
  checkAction(req.headers, settings);
  const cleared = await app.clearDeadLetters();
  return { message: `Cleared ${plural(cleared, 'dead letter')}`, outcome: { cleared } };
}
