import { z } from 'zod';
import { DEFAULT_QUEUE, type NodeBranches, type NodeSpec } from '../graph/spec.js';
import type { InputTemplate } from '../graph/template.js';

/**
 * The one owner of how a NodeSpec (graph/spec.ts) is stored: the value of the node's field in
 * the run's `specs` hash. Written here (SpecWriter, at submit) and read here (parseSpec,
 * specFromStored); in Lua only scripts/includes/spec.lua reads it. A stored spec is a JSON
 * array whose positions are fixed:
 *
 *   [route, input, task, args]            most nodes
 *   [route, input, task, args, options]   a node with a queue, priority, countdown, eta or `after`
 *
 *   route    a string: the dependants' ids joined by "," ("" for none); when any dependant is
 *            not on the default queue, followed by ";" and the queues of all dependants joined
 *            by "|" (queue names hold no "|"). With no ";" every dependant is on DEFAULT_QUEUE.
 *            "=" and one id: the one dependant is a hop (SpecFields.hop).
 *   input    0 for none, else the compacted input template (compactTemplate): an object whose
 *            only strings are decimal node ids, so its end is found by balancing braces.
 *   task     the task name.
 *   args     the bound args (an array).
 *   options  an object with any of queue, priority, countdownMs, etaMs, after, spread, branches,
 *            guards, errback, parent
 *            (defaults left out: no queue is DEFAULT_QUEUE, no priority is 0, no spread is
 *            false). The scripts never read spread: it tells the worker how to prepend the
 *            input. branches: a `when` predicate's [thenFirst, thenCount, elseFirst, elseCount],
 *            the id ranges of its two branches, of which complete-nodes skips the one not taken.
 *            guards: the error nodes of the onError elements the node is in (fail.lua fires them).
 *            errback: the node is part of an error callback (it runs in a failed run).
 *            parent: the id of the node that added this one at run time: a map, or a replaced node (expand-node.lua).
 *
 * Positions, not keys, because the scripts read the route, the input and the task by position
 * without decoding the spec (a wide group's member is ~25 bytes and read by pattern), and the
 * input comes before the args so that a join's huge template can be cut out by its braces.
 * Whether options follow is told by the spec's last two characters: "]]" (args last) or "}]".
 * A spec is JSON as a whole, so a start reply embeds it as is (includes/start.lua).
 */

/** Where each field sits in a stored spec (0-based; the Lua reader counts from 1). */
const ROUTE = 0;
const INPUT = 1;
const TASK = 2;
const ARGS = 3;
const OPTIONS = 4;

/** What a spec holds, before it is encoded (`args` already as JSON). */
export interface SpecFields {
  readonly task: string;
  /** The args, already encoded (and checked) as JSON. */
  readonly argsJson: string;
  /** Compacted (compactTemplate); undefined when the node reads no input. */
  readonly input: InputTemplate | undefined;
  /** The input is a list whose items are prepended one by one (NodeSpec.spread). */
  readonly spread: boolean;
  /** A `when` predicate's branches (NodeSpec.branches); null for other nodes. */
  readonly branches: NodeBranches | null;
  readonly queue: string;
  readonly priority: number;
  readonly countdownMs: number;
  readonly etaMs: number;
  readonly after: readonly string[];
  readonly next: readonly string[];
  /** The queues of the dependants, or null when every one is on DEFAULT_QUEUE. */
  readonly nextQueues: readonly string[] | null;
  /**
   * The one dependant is a chain step after this node: it waits for this node alone, reads
   * exactly its result, and has no options. Known at submit, so that a worker sends such a
   * completion to complete-step, which checks the rest (the states) and otherwise answers nil.
   */
  readonly hop: boolean;
  /** The node that added this one at run time (NodeSpec.parent); absent at submit. */
  readonly parent?: string;
  /** The error nodes of the `onError` elements it is in (NodeSpec.guards); empty for most nodes. */
  readonly guards?: readonly string[];
  /** A node of an error callback (NodeSpec.errback). */
  readonly errback?: boolean;
}

/**
 * Encodes the specs of one submit. Strings that repeat across a run's nodes (task names, the
 * route of a group's members, who all name the same join) are encoded once each.
 */
export class SpecWriter {
  private readonly strings = new Map<string, string>();

  private string(value: string): string {
    let json = this.strings.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      this.strings.set(value, json);
    }
    return json;
  }

  encode(fields: SpecFields): string {
    const { next, nextQueues } = fields;
    // A group's members share their route: its JSON is made once.
    const route = fields.hop
      ? `=${next[0]!}`
      : next.length === 1 && nextQueues === null
        ? next[0]!
        : nextQueues === null
          ? next.join(',')
          : `${next.join(',')};${nextQueues.join('|')}`;
    let json = `[${this.string(route)},${fields.input === undefined ? '0' : JSON.stringify(fields.input)},${this.string(fields.task)},${fields.argsJson}`;
    let options = '';
    if (fields.queue !== DEFAULT_QUEUE) options += `,"queue":${this.string(fields.queue)}`;
    if (fields.priority) options += `,"priority":${fields.priority}`;
    if (fields.countdownMs) options += `,"countdownMs":${fields.countdownMs}`;
    if (fields.etaMs) options += `,"etaMs":${fields.etaMs}`;
    if (fields.after.length > 0) options += `,"after":${JSON.stringify(fields.after)}`;
    if (fields.spread) options += ',"spread":true';
    if (fields.branches) options += `,"branches":${JSON.stringify(fields.branches)}`;
    if (fields.guards !== undefined && fields.guards.length > 0) options += `,"guards":${JSON.stringify(fields.guards)}`;
    if (fields.errback) options += ',"errback":true';
    // Last: includes/spec.lua's specPlain recognises a spec whose only option is `parent`.
    if (fields.parent !== undefined) options += `,"parent":${JSON.stringify(fields.parent)}`;
    if (options !== '') json += `,{${options.slice(1)}}`;
    return `${json}]`;
  }
}

/** A stored spec that does not have the layout above. */
function malformed(what: string): Error {
  return new Error(`stored spec is malformed: ${what}`);
}

function checked<T extends 'string' | 'number'>(value: unknown, type: T, what: string): T extends 'string' ? string : number {
  if (typeof value !== type) throw malformed(`its ${what} is not a ${type}`);
  return value as T extends 'string' ? string : number;
}

const DEFAULT_NEXT_QUEUES: readonly string[] = [DEFAULT_QUEUE];

function checkedBranches(value: unknown): NodeBranches {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((item) => Number.isInteger(item) && (item as number) >= 0)) {
    throw malformed('its branches are not four counts');
  }
  return value as unknown as NodeBranches;
}
const NO_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * A spec from its stored JSON value, already parsed (a start reply embeds it): the positions
 * checked for their types, the defaults put back. Cheap enough for every start; parseSpec also
 * checks the template and options in depth.
 */
export function specFromStored(value: unknown): NodeSpec {
  if (!Array.isArray(value) || (value.length !== 4 && value.length !== 5)) throw malformed('not an array of 4 or 5 items');
  const route: unknown = value[ROUTE];
  const input: unknown = value[INPUT];
  const task: unknown = value[TASK];
  const args: unknown = value[ARGS];
  const options: unknown = value[OPTIONS] ?? NO_OPTIONS;
  if (typeof route !== 'string') throw malformed('its route is not a string');
  if (input !== 0 && (typeof input !== 'object' || input === null)) throw malformed('its input is neither 0 nor a template');
  if (typeof task !== 'string') throw malformed('its task is not a string');
  if (!Array.isArray(args)) throw malformed('its args are not an array');
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw malformed('its options are not an object');
  const { queue, priority, countdownMs, etaMs, after, spread, branches, parent, guards, errback } = options as Record<string, unknown>;
  if (after !== undefined && !Array.isArray(after)) throw malformed('its after is not an array');
  if (guards !== undefined && !Array.isArray(guards)) throw malformed('its guards are not an array');
  let next: readonly string[] | undefined;
  let nextQueues: readonly string[] | undefined;
  let hop: true | undefined;
  if (route.startsWith('=')) {
    next = [route.slice(1)];
    nextQueues = DEFAULT_NEXT_QUEUES;
    hop = true;
  } else if (route !== '') {
    const split = route.indexOf(';');
    if (split < 0) {
      // (No split() for one dependant, the commonest route: a chain step's, a group member's.)
      next = route.indexOf(',') < 0 ? [route] : route.split(',');
      nextQueues = DEFAULT_NEXT_QUEUES;
    } else {
      next = route.slice(0, split).split(',');
      nextQueues = route.slice(split + 1).split('|');
    }
  }
  // One object shape for every spec (absent fields undefined), so the worker's reads of it stay
  // monomorphic. The template is checked in depth by parseSpec; a start trusts what submit wrote.
  return {
    task,
    args,
    queue: queue === undefined ? DEFAULT_QUEUE : checked(queue, 'string', 'queue'),
    input: input === 0 ? undefined : (input as InputTemplate),
    spread: spread === true ? true : undefined,
    branches: branches === undefined ? undefined : checkedBranches(branches),
    priority: priority === undefined ? undefined : checked(priority, 'number', 'priority'),
    countdownMs: countdownMs === undefined ? undefined : checked(countdownMs, 'number', 'countdownMs'),
    etaMs: etaMs === undefined ? undefined : checked(etaMs, 'number', 'etaMs'),
    after: after as string[] | undefined,
    next,
    nextQueues,
    hop,
    parent: parent === undefined ? undefined : checked(parent, 'string', 'parent'),
    guards: guards as string[] | undefined,
    errback: errback === true ? true : undefined,
  };
}

const templateSchema: z.ZodType<InputTemplate> = z.lazy(() =>
  z.union([
    z.object({ node: z.string() }),
    z.object({ list: z.array(templateSchema) }),
    z.object({ range: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]) }),
    z.object({ when: z.string(), then: templateSchema, else: templateSchema.optional() }),
  ]),
);

const nodeSpecSchema: z.ZodType<NodeSpec> = z.object({
  task: z.string(),
  args: z.array(z.unknown()),
  input: templateSchema.optional(),
  spread: z.literal(true).optional(),
  branches: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
  queue: z.string(),
  priority: z.number().int().optional(),
  countdownMs: z.number().optional(),
  etaMs: z.number().optional(),
  next: z.array(z.string().regex(/^\d+$/)).optional(),
  after: z.array(z.string()).optional(),
  nextQueues: z.array(z.string()).optional(),
  hop: z.literal(true).optional(),
  parent: z.string().regex(/^\d+$/).optional(),
  guards: z.array(z.string().regex(/^\d+$/)).optional(),
  errback: z.literal(true).optional(),
});

/** A spec from its stored text, checked in full (inspect, the dashboard): throws when malformed. */
export function parseSpec(json: string): NodeSpec {
  return nodeSpecSchema.parse(specFromStored(JSON.parse(json)));
}
