import { z } from 'zod';
import { DEFAULT_QUEUE, ERROR_TASK, ITEM_TASK, NO_ERROR_TASK, type NodeSpec } from '../graph/spec.js';
import { type InputTemplate, templateNodes } from '../graph/template.js';
import { type SpecFields, SpecWriter, specFromStored } from './spec-format.js';

/**
 * The one owner of a map's element plan and of the layout of the nodes a map adds at run time.
 *
 * The plan is the map node's one bound arg, written at submit (encodeElementPlan) and read by the
 * worker that runs the map node (decodeElementPlan), and, for `value` and `exits` only, by
 * includes/expansion.lua:
 *   { "k": nodes per element, "specs": [the element's stored specs, nodes 1 .. k],
 *     "waiting": [each one's count of dependencies], "value": the element's value template,
 *     "exits": [the element's exits] }
 * with the element's own ids: 0 is the item, 1 .. k its nodes (graph/compile.ts).
 *
 * The layout of an expansion of n items from the run's nodeCount B: s item nodes at
 * B .. B+s-1 (born succeeded, result = the item), then item i's node r at B + s + i*k + r - 1
 * (elementId). s is n when a node of the element reads the item other than as its first steps do
 * (which get it as their first bound arg), else 0: most maps add no item node
 * (itemNodesNeeded). A replacement (`replace(canvas)`) is laid out the same way with no item and
 * one copy: its node r at B + r - 1. The plan of a replacement is made by the worker (elementPlanOf); its
 * node 0 is a placeholder nothing reads.
 * So each item's nodes are consecutive, as compile numbers them, and a `when`'s branch ranges
 * inside an element stay ranges.
 */

export interface ElementPlan {
  /** Nodes per element (without the item). */
  readonly k: number;
  /** The element's specs (nodes 1 .. k), parsed. */
  readonly specs: readonly NodeSpec[];
  readonly waiting: readonly number[];
  readonly value: InputTemplate;
  readonly exits: readonly string[];
}

/** Where each element node is delivered: what expand-node needs to queue the element's roots. */
export interface ElementPlacement {
  readonly queue: string;
  readonly priority: number;
  readonly countdownMs: number;
  readonly etaMs: number;
}

/** What planning gives of one element node. */
export interface PlannedElementNode extends ElementPlacement {
  readonly specJson: string;
  readonly waiting: number;
}

/** The plan's JSON, from the element's planned nodes (index 0: the item, left out). */
export function encodeElementPlan(nodes: readonly PlannedElementNode[], value: InputTemplate, exits: readonly string[]): string {
  const own = nodes.slice(1);
  return `{"k":${own.length},"specs":[${own.map((node) => node.specJson).join(',')}],"waiting":${JSON.stringify(own.map((node) => node.waiting))},"value":${JSON.stringify(value)},"exits":${JSON.stringify(exits)}}`;
}

const planSchema = z.object({
  k: z.number().int().min(1),
  specs: z.array(z.unknown()),
  waiting: z.array(z.number().int().min(0)),
  value: z.unknown(),
  exits: z.array(z.string().regex(/^\d+$/)),
});

/** A map node's plan, as its bound arg holds it; throws when it is not one. */
export function decodeElementPlan(value: unknown): ElementPlan {
  const plan = planSchema.parse(value);
  if (plan.specs.length !== plan.k || plan.waiting.length !== plan.k) throw new Error('map plan is malformed: k does not match its specs');
  return { k: plan.k, specs: plan.specs.map(specFromStored), waiting: plan.waiting, value: plan.value as InputTemplate, exits: plan.exits };
}

/** The plan of a canvas planned in this process (a replacement), from its planned nodes (index 0: the placeholder, left out). */
export function elementPlanOf(nodes: readonly PlannedElementNode[], value: InputTemplate, exits: readonly string[]): ElementPlan {
  const own = nodes.slice(1);
  return { k: own.length, specs: own.map((node) => specFromStored(JSON.parse(node.specJson))), waiting: own.map((node) => node.waiting), value, exits };
}

/**
 * What the scripts read of an expansion once it is written (the meta's `xp:<node>`, by
 * includes/expansion.lua): the element's value template and exits, in its own ids.
 */
export function expansionReadsJson(plan: ElementPlan): string {
  return JSON.stringify({ value: plan.value, exits: plan.exits });
}

/** Each element node's placement, from its spec. */
export function elementPlacements(plan: ElementPlan): ElementPlacement[] {
  return plan.specs.map((spec) => ({ queue: spec.queue, priority: spec.priority ?? 0, countdownMs: spec.countdownMs ?? 0, etaMs: spec.etaMs ?? 0 }));
}

/**
 * The id that element node `rel` (0: the item node) of copy `item` gets in an expansion from
 * `first` with `stored` item nodes (0 when there are none: a replacement, or a map whose element
 * reads its item only in its first steps).
 */
export function elementId(rel: number, item: number, first: number, stored: number, k: number): number {
  return rel === 0 ? first + item : first + stored + item * k + rel - 1;
}

function offsetTemplate(template: InputTemplate, id: (rel: number) => number): InputTemplate {
  if ('node' in template) return { node: String(id(Number(template.node))) };
  if ('range' in template) {
    const [start, count] = template.range;
    // A range inside one element stays consecutive (each item's nodes are); one over the item is a single id.
    if (start === 0 && count === 1) return { node: String(id(0)) };
    if (start === 0) return { list: Array.from({ length: count }, (_, offset) => ({ node: String(id(offset)) })) };
    return { range: [id(start), count] };
  }
  if ('when' in template) {
    return { when: String(id(Number(template.when))), then: offsetTemplate(template.then, id), ...(template.else ? { else: offsetTemplate(template.else, id) } : {}) };
  }
  return { list: template.list.map((item) => offsetTemplate(item, id)) };
}

export interface ExpansionInput {
  readonly plan: ElementPlan;
  readonly mapId: string;
  /** The queues the map node's dependants are delivered on (its spec's), which its gather may make ready. */
  readonly mapNextQueues: readonly string[] | undefined;
  /** The error nodes guarding the node that expanded (its spec's guards), which guard what it adds too. */
  readonly mapGuards?: readonly string[];
  /** The node that expanded is part of an error callback: so is what it adds. */
  readonly mapErrback?: boolean;
  /** The first id: the run's nodeCount. */
  readonly first: number;
  /** The items, each as JSON. */
  readonly items: readonly string[];
}

/**
 * An added node's guards: its own (an onError inside the element), moved into place, then those
 * of the node that expanded, unless it is an onError's own machinery or part of a callback.
 */
function guardsOf(spec: NodeSpec, id: (rel: number) => number, parentGuards: readonly string[]): string[] {
  const own = (spec.guards ?? []).map((guard) => String(id(Number(guard))));
  if (spec.errback || spec.task === ERROR_TASK || spec.task === NO_ERROR_TASK) return own;
  return parentGuards.length > 0 ? [...own, ...parentGuards] : own;
}

/** Whether a spec receives exactly the item: its template is element node 0. */
function readsItem(spec: NodeSpec): boolean {
  return spec.input !== undefined && 'node' in spec.input && spec.input.node === '0' && spec.spread !== true;
}

/**
 * Whether the expansion needs its item nodes: a node reads the item other than as exactly its
 * input (a `when`'s branch reads it through a template too, a pass-through's value is the item),
 * or the element's value is or holds the item.
 */
export function itemNodesNeeded(plan: ElementPlan): boolean {
  const readsZero = (template: InputTemplate | undefined): boolean => template !== undefined && templateNodes(template).includes('0');
  return readsZero(plan.value) || plan.specs.some((spec) => (!readsItem(spec) && readsZero(spec.input)) || (spec.after ?? []).includes('0'));
}

/**
 * The specs of an expansion, in id order from `first`, and how many item nodes lead them (0, or
 * one per item when itemNodesNeeded): the items', then each item's element
 * nodes, with ids moved into place and the element's exits waited for by the map node. A node
 * that receives exactly the item (the element's first steps) gets it as its first bound arg
 * instead of reading it at its start: what it is called with is the same, and a start that
 * reads no input costs the scripts no decoding and no read.
 */
export function expansionSpecs({ plan, mapId, mapNextQueues, mapGuards, mapErrback, first, items: itemJsons }: ExpansionInput): { specs: string[]; itemNodes: number } {
  const parentGuards = mapGuards ?? [];
  const parentErrback = mapErrback === true;
  // A replacement has no item and one copy.
  const copies = Math.max(itemJsons.length, 1);
  const items = itemNodesNeeded(plan) ? itemJsons.length : 0;
  const writer = new SpecWriter();
  const specs: string[] = [];
  const itemSpec = writer.encode({
    task: ITEM_TASK, argsJson: '[]', input: undefined, spread: false, branches: null, queue: plan.specs[0]!.queue,
    priority: 0, countdownMs: 0, etaMs: 0, after: [], next: [], nextQueues: null, hop: false, parent: mapId,
  });
  for (let item = 0; item < items; item++) specs.push(itemSpec);
  const exits = new Set(plan.exits.map(Number));
  const argsJson = plan.specs.map((spec) => JSON.stringify(spec.args));
  const embeds = plan.specs.map(readsItem);
  for (let item = 0; item < copies; item++) {
    const itemJson = itemJsons[item] ?? 'null';
    const id = (rel: number): number => elementId(rel, item, first, items, plan.k);
    plan.specs.forEach((spec, index) => {
      const rel = index + 1;
      const exit = exits.has(rel);
      const next = (spec.next ?? []).map((dependant) => String(id(Number(dependant))));
      if (exit) next.push(mapId);
      const queues = new Set<string>(spec.next ? spec.nextQueues ?? [] : []);
      if (exit) for (const queue of mapNextQueues ?? []) queues.add(queue);
      const embed = embeds[index] === true;
      const args = argsJson[index]!;
      const fields: SpecFields = {
        task: spec.task,
        argsJson: embed ? `[${itemJson}${args === '[]' ? '' : `,${args.slice(1, -1)}`}]` : args,
        input: spec.input && !embed ? offsetTemplate(spec.input, id) : undefined,
        spread: spec.spread === true,
        branches: spec.branches ? [id(spec.branches[0]), spec.branches[1], id(spec.branches[2]), spec.branches[3]] : null,
        queue: spec.queue,
        priority: spec.priority ?? 0,
        countdownMs: spec.countdownMs ?? 0,
        etaMs: spec.etaMs ?? 0,
        after: (spec.after ?? []).map((before) => String(id(Number(before)))),
        next,
        nextQueues: [...queues].some((queue) => queue !== DEFAULT_QUEUE) ? [...queues] : null,
        hop: spec.hop === true && !exit,
        parent: mapId,
        guards: guardsOf(spec, id, parentErrback ? [] : parentGuards),
        errback: spec.errback === true || parentErrback,
      };
      specs.push(writer.encode(fields));
    });
  }
  return { specs, itemNodes: items };
}
