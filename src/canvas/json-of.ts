/**
 * The type of what arrives after a value crossed Redis as JSON, following what the encoder
 * (src/util/json.ts) does rather than what JSON.stringify does: it refuses functions, symbols,
 * BigInt, Maps and Sets (they become `never` here), honours `toJSON` (a Date arrives as a
 * string), drops undefined properties, and turns a top-level `undefined` (a handler returning
 * nothing) into null. `unknown` and `any` stay as they are.
 *
 * Applied where a task's result becomes a signature's output, so that chains, groups, chords and
 * `run.result()` all see the JSON form.
 */
export type JsonOf<T> = [unknown] extends [T] ? T : T extends undefined | void ? null : JsonValueOf<T>;

/** What the encoder refuses: these become `never` in a JSON form. */
export type JsonRefused = bigint | symbol | ((...args: never[]) => unknown) | ReadonlyMap<unknown, unknown> | ReadonlySet<unknown> | WeakMap<object, unknown> | WeakSet<object>;

/**
 * A value JSON carries unchanged. Checked first so that a recursive type that is already JSON
 * (`type Tree = number | Tree[]`) is returned as it is instead of being expanded without end.
 */
export type JsonSafe = string | number | boolean | null | readonly JsonSafe[] | { readonly [key: string]: JsonSafe };

/** The JSON form of a value nested in another (JsonOf without the top-level undefined rule). */
export type JsonValueOf<T> = [unknown] extends [T]
  ? T
  : [T] extends [JsonSafe]
    ? T
    : T extends string | number | boolean | null
      ? T
      : T extends { toJSON(...args: never[]): infer J }
        ? JsonOf<J>
        : T extends JsonRefused
          ? never
          : T extends readonly unknown[]
            ? { [K in keyof T]: JsonElementOf<T[K]> }
            : T extends object
              ? JsonObjectOf<T>
              : never;

/** Inside an array the encoder refuses undefined (JSON.stringify would write null). */
export type JsonElementOf<T> = [unknown] extends [T] ? T : T extends undefined | void ? never : JsonValueOf<T>;

/**
 * `unknown` when a handler's declared parameters are what JSON delivers; otherwise a type whose
 * one property names the problem, so that tsc refuses the handler (a `Date` parameter without an
 * args schema would receive a string).
 */
export type JsonParameters<Args extends readonly unknown[]> = [Args] extends [JsonOf<Args>]
  ? unknown
  : { readonly 'these parameters are not what JSON delivers (a Date arrives as a string): declare the JSON form, or give an args schema': JsonOf<Args> };

/** Keys that may hold undefined become optional: the encoder drops them. Symbol keys are dropped. */
export type JsonObjectOf<T> = Flatten<
  { [K in keyof T as K extends symbol ? never : undefined extends T[K] ? never : K]: JsonValueOf<T[K]> } & {
    [K in keyof T as K extends symbol ? never : undefined extends T[K] ? K : never]?: JsonValueOf<Exclude<T[K], undefined>>;
  }
>;

/** An intersection of mapped types shown as one object type. */
export type Flatten<T> = { [K in keyof T]: T[K] } & {};
