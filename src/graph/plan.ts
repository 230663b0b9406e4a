import type { TaskDefinition } from '../canvas/task.js';
import { CanvasTooLargeError, PayloadTooLargeError, UnknownTaskError } from '../errors/index.js';
import { parseInstant } from '../util/instant.js';
import { encodeJson } from '../util/json.js';
import { DEFAULT_QUEUE, ERROR_TASK, ITEM_TASK } from './spec.js';
import { encodeElementPlan } from '../store/expansion-format.js';
import { checkNodeArgs } from './args-check.js';
import type { CompiledWorkflow } from './compile.js';
import { compactTemplate, type InputTemplate } from './template.js';
import { SpecWriter } from '../store/spec-format.js';


/** A node ready to be written by submit-run. */
export interface PlannedNode {
  readonly id: string;
  /** The stored spec (store/spec-format.ts). */
  readonly specJson: string;
  /** How many nodes must succeed before this one may run. */
  readonly waiting: number;
  readonly queue: string;
  readonly priority: number;
  readonly countdownMs: number;
  /** Not before this instant (ms since the epoch); 0 for none. */
  readonly etaMs: number;
}

export interface SubmissionPlan {
  readonly nodes: readonly PlannedNode[];
  /** The run's output template as stored (compacted), and its JSON. */
  readonly output: InputTemplate;
  readonly outputJson: string;
  /** Queues of the nodes that can run at once (submit-run needs their keys). */
  readonly rootQueues: readonly string[];
  /** Every queue the run's nodes are delivered on (cancel and resume need their keys). */
  readonly queues: readonly string[];
  /**
   * Argument validations the schema library ran asynchronously (null when none did): submit
   * awaits it before writing, and writes nothing if it rejects.
   */
  readonly pendingChecks: Promise<void> | null;
}

export interface PlanContext {
  readonly lookup: (task: string) => TaskDefinition | undefined;
  readonly maxPayloadBytes: number;
  /** Most nodes in one canvas. */
  readonly maxCanvasNodes: number;
  /** Most bytes of all the canvas's specs together (UTF-16 units, a lower bound of UTF-8 bytes). */
  readonly maxCanvasBytes: number;
  /** The run's startAt (ms since the epoch): no root starts before it. */
  readonly startAtMs?: number;
}

/** A map element's node 0, which stands for the item: never delivered, so on no queue of the run. */
function isItemPlaceholder(node: CompiledWorkflow['nodes'][number] | undefined): boolean {
  return node !== undefined && node.id === '0' && node.task === ITEM_TASK && node.byName;
}

/** A node never delivered (a map element's item, an onError's error node): on no queue of the run. */
function isNeverDelivered(node: CompiledWorkflow['nodes'][number] | undefined): boolean {
  return isItemPlaceholder(node) || (node !== undefined && node.task === ERROR_TASK && node.byName && node.contract === null);
}

/** The queues of a node's dependants, or null when every one is on DEFAULT_QUEUE (most nodes). */
function nextQueuesOf(next: readonly string[], queueOf: readonly string[]): string[] | null {
  // (No Set for the common case, all on the default queue: a wide group plans one per member.)
  if (!next.some((dependant) => (queueOf[Number(dependant)] ?? DEFAULT_QUEUE) !== DEFAULT_QUEUE)) return null;
  const queues = new Set<string>();
  for (const dependant of next) queues.add(queueOf[Number(dependant)] ?? DEFAULT_QUEUE);
  return [...queues];
}

/**
 * Whether `node`'s one dependant is a chain step after it, as complete-step needs it: it waits for
 * this node alone, reads exactly its result, and is on the default queue with no priority,
 * countdown, eta or `after`.
 */
function isHop(nodes: CompiledWorkflow['nodes'], node: CompiledWorkflow['nodes'][number], queueOf: readonly string[], priorityOf: readonly number[]): boolean {
  // A `when`'s decider goes to complete-nodes, which skips the branch not taken.
  if (node.next.length !== 1 || node.branches) return false;
  const index = Number(node.next[0]);
  const next = nodes[index];
  // (A `when`'s decider has options, which complete-step does not read: not a hop either.)
  if (!next || next.waiting !== 1 || next.after.length > 0 || next.branches) return false;
  if (!next.input || !('node' in next.input) || next.input.node !== node.id) return false;
  return queueOf[index] === DEFAULT_QUEUE && (priorityOf[index] ?? 0) === 0 && !next.options.countdownMs && next.options.eta === undefined;
}

/**
 * Check every node against the app's registry and limits, and build the specs submit-run
 * writes. Pure and all-or-nothing: the first problem throws before anything is written.
 */
export function planSubmission(compiled: CompiledWorkflow, context: PlanContext): SubmissionPlan {
  const compiledNodes = compiled.nodes;
  if (compiledNodes.length > context.maxCanvasNodes) {
    throw new CanvasTooLargeError('nodes', compiledNodes.length, context.maxCanvasNodes);
  }
  const queueOf: string[] = [];
  const priorityOf: number[] = [];
  const argsJsonOf: string[] = [];
  const elementQueues = new Set<string>();

  const pending: Promise<void>[] = [];

  for (const node of compiledNodes) {
    if (node.element) {
      // A map: its element is planned now (args checked, queues resolved), and stored as the
      // node's one arg; the map node runs where the element's first node runs.
      const element = planSubmission(node.element, { ...context, startAtMs: undefined, maxCanvasNodes: Infinity });
      const planJson = encodeElementPlan(element.nodes, element.output, node.element.exits);
      if (element.pendingChecks) pending.push(element.pendingChecks);
      for (const queue of element.queues) elementQueues.add(queue);
      argsJsonOf.push(`[${planJson}]`);
      queueOf.push(element.nodes[1]?.queue ?? DEFAULT_QUEUE);
      priorityOf.push(0);
      continue;
    }
    if (isNeverDelivered(node) || node.queueOf !== null) {
      // An onError's NO_ERROR_TASK runs where its element ended, on a queue a worker consumes.
      argsJsonOf.push('[]');
      queueOf.push(node.queueOf === null ? DEFAULT_QUEUE : (queueOf[Number(node.queueOf)] ?? DEFAULT_QUEUE));
      priorityOf.push(0);
      continue;
    }
    // A signature made from a task or contract carries its contract: no handler need be registered here.
    const definition = context.lookup(node.task);
    const contract = node.contract ?? definition;
    if (!contract && !node.byName) throw new UnknownTaskError(node.task, node.path);
    // Encoded (and so checked for depth) before a schema walks the args: a schema recursing
    // into 10,000 levels would overflow the stack.
    const argsJson = encodeJson(node.args, () => `${node.path} args`);
    if (argsJson.length * 3 > context.maxPayloadBytes) {
      // Only long strings can be over the limit in bytes (UTF-8 is at most 3 bytes per UTF-16 unit).
      const bytes = Buffer.byteLength(argsJson);
      if (bytes > context.maxPayloadBytes) throw new PayloadTooLargeError(`${node.path} args`, bytes, context.maxPayloadBytes);
    }
    argsJsonOf.push(argsJson);
    if (contract) {
      const check = checkNodeArgs(node, contract, definition?.handler);
      if (check) {
        // Handled at once, so that a later synchronous refusal leaves no unhandled rejection behind.
        check.catch(() => undefined);
        pending.push(check);
      }
    }
    queueOf.push(node.options.queue ?? contract?.queue ?? DEFAULT_QUEUE);
    priorityOf.push(node.options.priority ?? contract?.priority ?? 0);
  }

  const nodes: PlannedNode[] = [];
  const rootQueues = new Set<string>();
  const writer = new SpecWriter();
  let canvasBytes = 0;
  compiledNodes.forEach((node, index) => {
    const argsJson = argsJsonOf[index] ?? '[]';
    const queue = queueOf[index] ?? DEFAULT_QUEUE;
    const priority = priorityOf[index] ?? 0;
    const countdownMs = node.options.countdownMs ?? 0;
    let etaMs = node.options.eta === undefined ? 0 : parseInstant(node.options.eta, `${node.path} eta`);
    if (node.waiting === 0 && context.startAtMs !== undefined) etaMs = Math.max(etaMs, context.startAtMs);
    if (node.waiting === 0) rootQueues.add(queue);
    const specJson = writer.encode({
      task: node.task,
      argsJson,
      input: node.input ? compactTemplate(node.input) : undefined,
      spread: node.spread,
      branches: node.branches,
      queue,
      priority,
      countdownMs,
      etaMs,
      after: node.after,
      next: node.next,
      nextQueues: node.next.length > 0 ? nextQueuesOf(node.next, queueOf) : null,
      hop: isHop(compiledNodes, node, queueOf, priorityOf),
      guards: node.guards,
      errback: node.errback,
    });
    canvasBytes += specJson.length;
    if (canvasBytes > context.maxCanvasBytes) throw new CanvasTooLargeError('bytes', canvasBytes, context.maxCanvasBytes);
    nodes.push({ id: node.id, specJson, waiting: node.waiting, queue, priority, countdownMs, etaMs });
  });

  const output = compactTemplate(compiled.output);
  return {
    nodes,
    output,
    outputJson: JSON.stringify(output),
    rootQueues: [...rootQueues],
    queues: [...new Set([...queueOf.filter((_, index) => !isNeverDelivered(compiledNodes[index])), ...elementQueues])],
    pendingChecks: pending.length > 0 ? Promise.all(pending).then(() => undefined) : null,
  };
}
