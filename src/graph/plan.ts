import type { TaskDefinition } from '../canvas/task.js';
import { ArgsValidationError, PayloadTooLargeError, UnknownTaskError } from '../errors/index.js';
import type { NodeSpec } from './spec.js';
import { encodeJson } from '../util/json.js';
import { describeZodError } from '../util/zod.js';
import { arityOf, tailSchema } from './arity.js';
import type { CompiledWorkflow, NodeAttributes } from './compile.js';

export const DEFAULT_QUEUE = 'default';

/** A node ready to be written by submit-run. */
export interface PlannedNode {
  readonly id: string;
  readonly specJson: string;
  /** How many nodes must succeed before this one may run. */
  readonly waiting: number;
  readonly queue: string;
}

export interface SubmissionPlan {
  readonly nodes: readonly PlannedNode[];
  readonly outputJson: string;
  /** Queues of the nodes that can run at once (submit-run needs their keys). */
  readonly rootQueues: readonly string[];
  /** Every queue the run's nodes are delivered on (cancel and resume need their keys). */
  readonly queues: readonly string[];
}

export interface PlanContext {
  readonly lookup: (task: string) => TaskDefinition | undefined;
  readonly maxPayloadBytes: number;
}

function checkArgs(node: NodeAttributes, definition: TaskDefinition): void {
  const receives = node.input !== null;
  const given = node.args.length + (receives ? 1 : 0);
  const arity = arityOf(definition);
  if (arity && (given < arity.min || given > arity.max)) {
    const takes =
      arity.min === arity.max
        ? `${arity.min}`
        : arity.max === Infinity
          ? `at least ${arity.min}`
          : `${arity.min} to ${arity.max}`;
    const source = receives
      ? `${node.args.length} bound plus the upstream value`
      : `${node.args.length} and receives nothing from upstream`;
    throw new ArgsValidationError(
      node.task,
      node.path,
      `the task takes ${takes} argument${takes === '1' ? '' : 's'}; this signature gives ${source}`,
    );
  }
  const schema = receives ? tailSchema(definition) : definition.argsSchema;
  if (!schema) return;
  const parsed = schema.safeParse(node.args);
  if (!parsed.success) {
    // For a partial signature the bound args start at position 1 of the task's args.
    const shifted = receives
      ? {
          ...parsed.error,
          issues: parsed.error.issues.map((issue) => ({
            ...issue,
            path: typeof issue.path[0] === 'number' ? [issue.path[0] + 1, ...issue.path.slice(1)] : issue.path,
          })),
        }
      : parsed.error;
    throw new ArgsValidationError(node.task, node.path, describeZodError(shifted as typeof parsed.error, 'args'), {
      cause: parsed.error,
    });
  }
}

/**
 * Check every node against the app's registry and limits, and build the specs submit-run
 * writes. Pure and all-or-nothing: the first problem throws before anything is written.
 */
export function planSubmission(compiled: CompiledWorkflow, context: PlanContext): SubmissionPlan {
  const { graph } = compiled;
  const queueOf = new Map<string, string>();
  const priorityOf = new Map<string, number>();

  graph.forEachNode((id, node) => {
    const definition = context.lookup(node.task);
    if (!definition && !node.byName) throw new UnknownTaskError(node.task, node.path);
    if (definition) checkArgs(node, definition);
    queueOf.set(id, node.options.queue ?? definition?.queue ?? DEFAULT_QUEUE);
    priorityOf.set(id, node.options.priority ?? definition?.priority ?? 0);
  });

  const nodes: PlannedNode[] = [];
  const rootQueues = new Set<string>();
  graph.forEachNode((id, node) => {
    const argsJson = encodeJson(node.args, `${node.path} args`);
    const bytes = Buffer.byteLength(argsJson);
    if (bytes > context.maxPayloadBytes) throw new PayloadTooLargeError(`${node.path} args`, bytes, context.maxPayloadBytes);
    const next = graph.outNeighbors(id);
    const queue = queueOf.get(id) ?? DEFAULT_QUEUE;
    const priority = priorityOf.get(id) ?? 0;
    const spec: NodeSpec = {
      task: node.task,
      args: node.args,
      queue,
      ...(node.input ? { input: node.input } : {}),
      ...(priority ? { priority } : {}),
      ...(node.options.countdownMs ? { countdownMs: node.options.countdownMs } : {}),
      ...(next.length > 0
        ? { next, nextQueues: [...new Set(next.map((dependant) => queueOf.get(dependant) ?? DEFAULT_QUEUE))] }
        : {}),
    };
    const waiting = graph.inDegree(id);
    if (waiting === 0) rootQueues.add(queue);
    nodes.push({ id, specJson: JSON.stringify(spec), waiting, queue });
  });

  return {
    nodes,
    outputJson: JSON.stringify(compiled.output),
    rootQueues: [...rootQueues],
    queues: [...new Set(queueOf.values())],
  };
}
