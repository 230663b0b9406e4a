import { MapInputError, MapTooLargeError } from '../errors/index.js';
import { type ElementPlan, decodeElementPlan } from '../store/expansion-format.js';
import type { StartedNode } from '../store/node-store.js';
import { encodeJson } from '../util/json.js';
import { type AttemptOutcome, buildArgs } from './attempt.js';

/** A map attempt's outcome: its items to expand over, or (an empty list, a bad input) a plain outcome. */
export type MapOutcome = AttemptOutcome | { readonly ok: 'expand'; readonly plan: ElementPlan; readonly items: readonly string[] };

/**
 * The attempt of a map node, which every worker runs itself (no handler): its input must be a
 * list of at most `maxMapLength` items. An empty list is the node's result ([]) at once; a longer
 * one is handed back encoded item by item, for expand-node.lua to add the element runs.
 * A bad input fails the node for good (MapInputError, MapTooLargeError: no retry can fix it).
 */
export function runMapAttempt(node: StartedNode, maxMapLength: number): MapOutcome {
  const { runId, nodeId } = node.message;
  try {
    const [list, plan] = buildArgs(node);
    if (!Array.isArray(list)) throw new MapInputError(runId, nodeId, list === null ? 'null' : typeof list);
    if (list.length > maxMapLength) throw new MapTooLargeError(runId, nodeId, list.length, maxMapLength);
    if (list.length === 0) return { ok: true, resultJson: '[]' };
    const items = list.map((item: unknown, index) => encodeJson(item, `item ${index} of map node ${nodeId}`));
    return { ok: 'expand', plan: decodeElementPlan(plan), items };
  } catch (error) {
    return { ok: false, error };
  }
}
