import { ConfigError } from '../errors/index.js';
import { type AnyCanvas, Canvas, type InputOf, type OutputOf } from './canvas.js';

/** Set only while chain() makes a Chain around an array it owns (see Chain). */
let adopting: { readonly shared: AnyCanvas[]; readonly length: number } | null = null;
/** The array a chain starting with `head`'s steps appends to (set by Chain's static block: it reads private fields). */
let appendableSteps: (head: Chain<unknown, unknown>) => AnyCanvas[];

/**
 * Sequential steps; each step's value feeds the next (unless it is immutable).
 *
 * `c = chain(c, step)` in a loop must not copy c's steps every time (that is quadratic): chains
 * built that way share one array, each seeing its first `length` entries. Only a chain that
 * sees the whole array may append to it; an older one asked for its steps gets a copy, once.
 */
export class Chain<In, Out> extends Canvas<In, Out> {
  readonly kind = 'chain' as const;
  readonly #shared: AnyCanvas[];
  readonly #length: number;
  /** Made by chain() around an array no caller holds: the only array appended to. */
  readonly #owned: boolean;
  #own: readonly AnyCanvas[] | null = null;

  constructor(steps: readonly AnyCanvas[]) {
    super();
    const given = adopting;
    adopting = null;
    // A hand-made chain keeps the caller's array as it is (never appended to).
    this.#shared = given ? given.shared : (steps as AnyCanvas[]);
    this.#length = given ? given.length : steps.length;
    this.#owned = given !== null;
  }

  /** The steps, flattened (a chain inside a chain is spliced in). */
  get steps(): readonly AnyCanvas[] {
    if (!this.#owned || this.#length === this.#shared.length) return this.#shared;
    this.#own ??= this.#shared.slice(0, this.#length);
    return this.#own;
  }

  static {
    // Its own array when nobody appended to it since, else a copy of its steps.
    appendableSteps = (head) => (head.#owned && head.#length === head.#shared.length ? head.#shared : [...head.steps]);
  }
}

/** A Chain around `steps`, which the caller made and will not touch again. */
function chainOwning(steps: AnyCanvas[]): Chain<unknown, unknown> {
  adopting = { shared: steps, length: steps.length };
  return new Chain(steps);
}

/** Parallel members, each receiving the group's input; its value is the list of member values. */
export class Group<In, Out extends readonly unknown[]> extends Canvas<In, Out> {
  readonly kind = 'group' as const;
  constructor(readonly members: readonly AnyCanvas[]) {
    super();
  }
}

/** A group (the header) followed by a body that receives the header's list. */
export class Chord<In, Out> extends Canvas<In, Out> {
  readonly kind = 'chord' as const;
  constructor(
    readonly header: Group<never, readonly unknown[]>,
    readonly body: AnyCanvas,
  ) {
    super();
  }
}

// ---- type-level helpers (exported so users can name the types they build) ----

/** `H` if it accepts `Prev` as its input, else the type it would have to be (so tsc reports it). */
export type Accepting<H, Prev> =
  H extends Canvas<infer I, infer O> ? ([Prev] extends [I] ? H : Canvas<Prev, O>) : H;

/** Each step after the first must accept the previous step's output. Arrays of unknown length are not checked. */
export type ValidChain<T extends readonly unknown[], Prev = never, First extends boolean = true> =
  T extends readonly [infer H, ...infer R]
    ? [First extends true ? H : Accepting<H, Prev>, ...ValidChain<R, OutputOf<H>, false>]
    : T;

export type ChainInput<T extends readonly unknown[]> = T extends readonly [infer H, ...unknown[]] ? InputOf<H> : never;
export type ChainOutput<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L]
  ? OutputOf<L>
  : T extends readonly (infer E)[]
    ? OutputOf<E>
    : never;

/** A group's input must satisfy every member (an intersection, so one `never` member makes it `never`). */
export type GroupInput<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? InputOf<H> & GroupInput<R>
  : T extends readonly []
    ? unknown
    : InputOf<T[number]>;

/** What one member adds to its group's output: a nested group's members are flattened into it. */
export type ElementOutput<C> = C extends Group<never, infer O> ? O[number] : OutputOf<C>;

/** Member values in order; a group directly inside a group is flattened into it. */
export type GroupOutput<T extends readonly unknown[]> = T extends readonly [infer H, ...infer R]
  ? H extends Group<never, infer O>
    ? [...O, ...GroupOutput<R>]
    : [OutputOf<H>, ...GroupOutput<R>]
  : T extends readonly []
    ? []
    : ElementOutput<T[number]>[];

/** @internal Throws ConfigError unless `value` is a canvas. */
export function assertCanvas(where: string, value: unknown): asserts value is AnyCanvas {
  if (!(value instanceof Canvas)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new ConfigError(where, `expected a signature, chain, group, chord, dag, when or map, got ${got}`);
  }
}

/**
 * `chain(a, b, c)` or `chain([a, b, c])`: run a, then b with a's value prepended to its args,
 * then c. Nested chains are spliced in. The value is the last step's. `c = chain(c, step)` in a
 * loop appends to c's steps without copying them.
 *
 * The variadic form checks at compile time that each step accepts the previous step's value;
 * the array form checks a literal tuple the same way, but not an array built at run time
 * (`AnyCanvas[]`), whose steps are only checked by the worker.
 */
export function chain<const T extends readonly AnyCanvas[]>(steps: T & ValidChain<T>): Chain<ChainInput<T>, ChainOutput<T>>;
export function chain<const T extends readonly AnyCanvas[]>(...steps: T & ValidChain<T>): Chain<ChainInput<T>, ChainOutput<T>>;
export function chain(...input: unknown[]): Chain<never, unknown> {
  const arrayForm = input.length === 1 && Array.isArray(input[0]);
  const steps: readonly unknown[] = arrayForm ? (input[0] as unknown[]) : input;
  const where = arrayForm ? 'chain() steps[' : 'chain() step ';
  let flat: AnyCanvas[] | null = null;
  for (let index = 0; index < steps.length; index++) {
    const step = steps[index];
    assertCanvas(`${where}${index}${arrayForm ? ']' : ''}`, step);
    if (flat === null) {
      // A chain first: append to its array (no copy) when nothing was appended to it yet.
      flat = step instanceof Chain ? appendableSteps(step) : [step];
      continue;
    }
    if (step instanceof Chain) for (const inner of step.steps) flat.push(inner);
    else flat.push(step);
  }
  if (flat === null || flat.length === 0) throw new ConfigError('chain()', 'a chain needs at least one step');
  return chainOwning(flat);
}

/**
 * `group(a, b)` or `group([a, b])`: run the members in parallel, each with the group's input.
 * The value is the list of member values in member order, even for one member. A group directly
 * inside a group is flattened into it.
 */
export function group<const T extends readonly AnyCanvas[]>(members: T): Group<GroupInput<T>, GroupOutput<T>>;
export function group<const T extends readonly AnyCanvas[]>(...members: T): Group<GroupInput<T>, GroupOutput<T>>;
export function group(...input: unknown[]): Group<unknown, unknown[]> {
  const members: unknown[] = input.length === 1 && Array.isArray(input[0]) ? (input[0] as unknown[]) : input;
  const flat: AnyCanvas[] = [];
  members.forEach((member, index) => {
    assertCanvas(`group() member ${index}`, member);
    if (member instanceof Group) for (const inner of member.members) flat.push(inner);
    else flat.push(member);
  });
  return new Group(flat);
}

/**
 * `chord(header, body)`: run the header as a group, then the body with the header's list.
 * An empty header calls the body with `[]`.
 */
export function chord<I, const O extends readonly unknown[], B extends AnyCanvas>(
  header: Group<I, O>,
  body: B & Accepting<B, O>,
): Chord<I, OutputOf<B>>;
export function chord<const H extends readonly AnyCanvas[], B extends AnyCanvas>(
  header: H,
  body: B & Accepting<B, GroupOutput<H>>,
): Chord<GroupInput<H>, OutputOf<B>>;
export function chord(header: unknown, body: unknown): Chord<unknown, unknown> {
  let headerGroup: Group<never, readonly unknown[]>;
  if (header instanceof Group) headerGroup = header;
  else if (Array.isArray(header)) headerGroup = group(header as readonly AnyCanvas[]);
  else throw new ConfigError('chord() header', 'expected an array of canvases or a group');
  assertCanvas('chord() body', body);
  return new Chord(headerGroup, body);
}
