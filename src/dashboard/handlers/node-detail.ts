import type { NodeDetail } from '../api-types.js';
import type { RequestContext } from '../context.js';
import { eventJson } from '../event-json.js';
import { nodeIdParam, runIdParam } from '../params.js';

/** Args and results are cut to this many characters of JSON: the panel shows a glimpse, not a dump. */
export const VALUE_LIMIT = 4 * 1024;

/** A value as JSON text, cut to `limit` characters. */
export function cutJson(value: unknown, limit = VALUE_LIMIT): { text: string; truncated: boolean } {
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= limit) return { text, truncated: false };
  // Do not leave half of a surrogate pair at the cut.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit;
  return { text: `${text.slice(0, end)}…`, truncated: true };
}

function ms(date: Date | undefined): number | undefined {
  return date?.getTime();
}

/** GET /api/runs/:id/nodes/:node */
export async function nodeDetail({ app, settings, params }: RequestContext): Promise<NodeDetail> {
  const runId = runIdParam(params.id);
  const nodeId = nodeIdParam(params.node);
  const values = settings.showValues;
  // One node read alone (never the whole run): the panel answers as fast on a 100,000-node run.
  const [node, history] = await Promise.all([app.getRun(runId).inspectNode(nodeId, { values }), app.recentEvents({ runId, nodeId })]);
  const args = values && node.args !== undefined ? cutJson(node.args) : undefined;
  const result = values && node.result !== undefined ? cutJson(node.result) : undefined;
  const queuedAt = ms(node.queuedAt);
  const startedAt = ms(node.startedAt);
  const finishedAt = ms(node.finishedAt);
  return {
    runId,
    id: nodeId,
    task: node.task,
    status: node.status,
    queue: node.queue,
    attempts: node.attempts,
    ...(queuedAt !== undefined ? { queuedAt } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    parents: node.parents,
    dependants: node.dependants,
    ...(node.error ? { error: node.error } : {}),
    ...(node.progress !== undefined ? { progress: node.progress } : {}),
    history: history.map(eventJson),
    ...(args ? { args: args.text } : {}),
    ...(result ? { result: result.text } : {}),
    ...(args?.truncated || result?.truncated ? { truncated: true } : {}),
  };
}
