import { z } from 'zod';
import type { TaskDefinition } from '../canvas/task.js';

export interface Arity {
  readonly min: number;
  /** Infinity when the task takes a rest of arguments. */
  readonly max: number;
}

/**
 * How many positional arguments a task takes: from its `args` schema when that is a tuple,
 * else at least the handler's declared parameters (Function.length stops at the first default or
 * rest parameter, so it is a lower bound only).
 */
export function arityOf(definition: TaskDefinition): Arity | null {
  // Asked once per node at submit: computed once per task (probing a tuple's items with zod is
  // not free, and a 10,000-member group asks 10,000 times).
  let cached = arityCache.get(definition);
  if (cached === undefined) {
    cached = computeArity(definition);
    arityCache.set(definition, cached);
  }
  return cached;
}

const arityCache = new WeakMap<TaskDefinition, Arity | null>();
const tailCache = new WeakMap<TaskDefinition, z.ZodType | null>();

function computeArity(definition: TaskDefinition): Arity | null {
  const schema = definition.argsSchema;
  if (schema instanceof z.ZodTuple) {
    const items = schema.def.items as readonly z.ZodType[];
    let min = items.length;
    while (min > 0 && items[min - 1]?.safeParse(undefined).success) min--;
    return { min, max: schema.def.rest ? Infinity : items.length };
  }
  if (schema) return null;
  return { min: definition.handler.length, max: Infinity };
}

/** The schema of the arguments after the first (what a partial signature binds), if it can be made. */
export function tailSchema(definition: TaskDefinition): z.ZodType | null {
  let cached = tailCache.get(definition);
  if (cached === undefined) {
    cached = computeTailSchema(definition);
    tailCache.set(definition, cached);
  }
  return cached;
}

function computeTailSchema(definition: TaskDefinition): z.ZodType | null {
  const schema = definition.argsSchema;
  if (!(schema instanceof z.ZodTuple)) return null;
  const items = schema.def.items as readonly z.ZodType[];
  const rest = schema.def.rest as z.ZodType | null;
  // z.tuple's overloads want a literal tuple; at run time any array of schemas is fine.
  const tuple = z.tuple as unknown as (items: readonly z.ZodType[], rest?: z.ZodType) => z.ZodType;
  return rest ? tuple(items.slice(1), rest) : tuple(items.slice(1));
}
