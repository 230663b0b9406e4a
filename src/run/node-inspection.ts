import { templateNodes } from '../graph/template.js';
import type { RawNodeDetail } from '../store/node-detail.js';
import { type NodeStatus, nodeErrorSchema } from '../store/records.js';
import type { NodeState } from '../store/node-state.js';
import type { Expansion } from '../store/run-meta.js';

export interface NodeInspection {
  readonly id: string;
  readonly task: string;
  readonly status: NodeStatus;
  /** Attempts started so far (redeliveries included). */
  readonly attempts: number;
  /** Nodes that wait for this one. */
  readonly dependants: readonly string[];
  /** The node that added this one at run time: a map node, or a node replaced by a canvas (absent for the nodes submitted). */
  readonly parent?: string;
  /**
   * A node that expanded: it added `nodes` nodes from `first` on. A map node over `items` items:
   * first `itemNodes` item nodes (task `celeriac:item`, each one's result its item; 0 when no
   * element node reads its item other than as its first steps, which get it as their first
   * bound arg), then the element's nodes, `(nodes - itemNodes) / items` per item, in item order. A
   * node whose handler returned replace(): `items` 0, and the canvas's nodes.
   */
  readonly expansion?: { readonly first: string; readonly items: number; readonly nodes: number; readonly itemNodes: number };
  /**
   * The error nodes (task `celeriac:error`) of the `onError` elements this node is in, innermost
   * first: when it fails for good, each that has not fired fires, and its callback runs.
   */
  readonly guardedBy?: readonly string[];
  readonly queuedAt?: Date;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  /** The last error of this node (for a failed node, the one that failed it). */
  readonly error?: { readonly name: string; readonly message: string; readonly stack?: string; readonly code?: string };
  /** What the node's latest attempt last gave `taskContext().progress()`, if anything (kept once it finished). */
  readonly progress?: unknown;
  /**
   * The node's result (its JSON value), with `inspect({ results: true })` only, and only once
   * the node succeeded (a rerun drops the results of the nodes it resets).
   */
  readonly result?: unknown;
}

/** Options of `run.inspectNode()`. */
export interface InspectNodeOptions {
  /**
   * Include the node's bound arguments and, once it succeeded, its result. Off by default:
   * values can be large and can hold personal data.
   */
  readonly values?: boolean;
}

/** One node of a run, read alone (`run.inspectNode`): what inspect() says of it, and more. */
export interface NodeDetailInspection extends NodeInspection {
  /** The queue the node is delivered on. */
  readonly queue: string;
  /**
   * The nodes it waits for: those whose results it receives, in the order its input reads them,
   * then those it waits for without reading them (an immutable signature's predecessors).
   */
  readonly parents: readonly string[];
  /**
   * With `values: true`: the arguments bound in the signature (its upstream value, the parents'
   * results, comes before them when the handler is called).
   */
  readonly args?: readonly unknown[];
}

/** The fields inspect() gives every node, from what the store holds of it. */
export function nodeInspectionOf(
  id: string,
  task: string,
  next: readonly string[],
  state: NodeState,
  errorJson: string | undefined,
  resultJson: string | undefined,
  added: { readonly parent?: string | undefined; readonly expansion?: Expansion | undefined; readonly guards?: readonly string[] | undefined } = {},
): NodeInspection {
  const parsedError = errorJson ? nodeErrorSchema.safeParse(JSON.parse(errorJson)) : null;
  const { parent, expansion, guards } = added;
  return {
    id,
    task,
    status: state.status,
    attempts: state.attempts ?? 0,
    dependants: next,
    ...(parent !== undefined ? { parent } : {}),
    ...(expansion !== undefined
      ? {
          expansion: {
            first: String(expansion.first),
            items: expansion.items,
            nodes: expansion.itemNodes + Math.max(expansion.items, 1) * expansion.perItem,
            itemNodes: expansion.itemNodes,
          },
        }
      : {}),
    ...(guards !== undefined && guards.length > 0 ? { guardedBy: guards } : {}),
    ...timeField('queuedAt', state.queuedAt),
    ...timeField('startedAt', state.startedAt),
    ...timeField('finishedAt', state.finishedAt),
    ...(parsedError?.success ? { error: parsedError.data } : {}),
    ...(state.progress !== undefined ? { progress: JSON.parse(state.progress) as unknown } : {}),
    ...(resultJson !== undefined ? { result: JSON.parse(resultJson) as unknown } : {}),
  };
}

/** One node's detail; its result only once it succeeded (a reset node's is gone anyway). */
export function nodeDetailOf(id: string, raw: RawNodeDetail, values: boolean): NodeDetailInspection {
  const { spec, state } = raw;
  const resultJson = values && state.status === 'succeeded' ? raw.resultJson : undefined;
  return {
    ...nodeInspectionOf(id, spec.task, spec.next ?? [], state, raw.errorJson, resultJson, { parent: spec.parent, guards: spec.guards }),
    queue: spec.queue,
    parents: [...(spec.input ? templateNodes(spec.input) : []), ...(spec.after ?? [])],
    ...(values ? { args: spec.args } : {}),
  };
}

/** `{ [name]: Date }` when the time is known, else nothing (optional fields stay absent). */
export function timeField<K extends string>(name: K, ms: number | undefined): { [key in K]?: Date } {
  return (ms === undefined ? {} : { [name]: new Date(ms) }) as { [key in K]?: Date };
}
