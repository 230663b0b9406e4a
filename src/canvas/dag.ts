import { ConfigError } from '../errors/index.js';
import { type Accepting, assertCanvas } from './builders.js';
import { type AnyCanvas, Canvas, type OutputOf, type Spread } from './canvas.js';

/** A node added to a dag: what later nodes name in `after`, and the type of its value. */
export class DagNode<Out> {
  /** Phantom (never set at run time): the value of the node's canvas. */
  declare readonly __output?: Out;

  /** @internal Made by Dag.add. */
  constructor(
    /** @internal The dag it belongs to. */
    readonly dag: Dag<never, unknown>,
    /** Its position in the dag, in the order nodes were added. */
    readonly index: number,
  ) {}
}

/** The values of these dag nodes, in order. */
export type DagOutputs<P extends readonly DagNode<unknown>[]> = { -readonly [K in keyof P]: P[K] extends DagNode<infer O> ? O : never };

/** What a node after these parents receives: one parent's value as a chain step would, several as a Spread. */
export type ParentsInput<P extends readonly DagNode<unknown>[]> = P extends readonly [DagNode<infer O>] ? O : Spread<DagOutputs<P>>;

/** Options of Dag.add. */
export interface DagAddOptions<P extends readonly DagNode<unknown>[]> {
  /**
   * The nodes this one waits for, added earlier to the same dag: their values are prepended to
   * its args in this order. Without it (or with an empty list), the node receives the dag's input
   * like a group member.
   */
  readonly after: P;
}

/** One node of a dag as compile reads it. */
export interface DagEntry {
  readonly canvas: AnyCanvas;
  /** Indexes of its parents in the dag, in `after` order (each earlier than the entry itself). */
  readonly after: readonly number[];
}

/**
 * A DAG whose nodes may have several parents, built by adding canvases one at a time (each may be
 * a signature, chain, group, chord or dag). Its value is its single sink's value (a node no other
 * node names in `after`), or the list of its sinks' values in the order they were added. A dag
 * is a canvas: it may be submitted, be a step of a chain or a member of a group.
 *
 * Type parameters: `In` is what the dag receives from a chain step before it (its nodes without
 * `after` receive it; `never`, the default, means none), `Out` its value, which TypeScript cannot
 * follow through `add()`: give it when the dag's value is used.
 */
export class Dag<In = never, Out = unknown> extends Canvas<In, Out> {
  readonly kind = 'dag' as const;
  readonly #entries: DagEntry[] = [];

  /** The nodes in the order they were added. */
  get entries(): readonly DagEntry[] {
    return this.#entries;
  }

  /** Add a node that receives the dag's input (or nothing, at the start of a run). */
  add<C extends AnyCanvas>(canvas: C & Accepting<C, In>): DagNode<OutputOf<C>>;
  /** Add a node after others: their values are prepended to its args, in `after` order. */
  add<C extends AnyCanvas, const P extends readonly DagNode<unknown>[]>(
    canvas: C & Accepting<C, P extends readonly [] ? In : ParentsInput<P>>,
    options: DagAddOptions<P>,
  ): DagNode<OutputOf<C>>;
  add(canvas: unknown, options?: unknown): DagNode<unknown> {
    const index = this.#entries.length;
    const where = `dag.add() node ${index}`;
    assertCanvas(where, canvas);
    if (canvas === this) throw new ConfigError(where, 'a dag cannot contain itself');
    const after = parseAfter(this, where, options);
    this.#entries.push({ canvas, after });
    return new DagNode(this as Dag<never, unknown>, index);
  }
}

function parseAfter(owner: Dag<never, unknown>, where: string, options: unknown): number[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`${where} options`, 'expected an object such as { after: [a, b] }');
  }
  for (const key of Object.keys(options)) {
    if (key !== 'after') throw new ConfigError(`${where} options.${key}`, 'unknown option (dag.add takes { after })');
  }
  const after: unknown = (options as { after?: unknown }).after;
  if (after === undefined) return [];
  if (!Array.isArray(after)) throw new ConfigError(`${where} options.after`, 'expected an array of nodes returned by this dag\'s add()');
  const indexes: number[] = [];
  after.forEach((parent: unknown, position) => {
    const at = `${where} options.after[${position}]`;
    if (!(parent instanceof DagNode)) throw new ConfigError(at, 'expected a node returned by dag.add()');
    if (parent.dag !== owner) throw new ConfigError(at, `node ${parent.index} belongs to another dag`);
    if (indexes.includes(parent.index)) throw new ConfigError(at, `node ${parent.index} is listed twice`);
    indexes.push(parent.index);
  });
  return indexes;
}

/**
 * `dag()`: an empty DAG to add nodes to; see Dag. `dag<number, string>()` types a dag that
 * receives a number in a chain and yields a string.
 */
export function dag<In = never, Out = unknown>(): Dag<In, Out> {
  return new Dag<In, Out>();
}
