import { NestingTooDeepError, NotJsonError } from '../errors/index.js';
import { MAX_VALUE_DEPTH } from '../graph/limits.js';

/**
 * Encode a value for Redis, refusing anything JSON would silently change or drop: functions,
 * symbols, BigInt, undefined inside arrays, NaN and the infinities, Maps, Sets, class instances
 * without toJSON, and circular references. `undefined` at the top becomes null (a handler that
 * returns nothing produced null, like Celery's None). Objects with toJSON (Date) are accepted,
 * as JSON.stringify would treat them. -0 becomes 0, as in every JSON encoder: refusing it would fail
 * handlers whose arithmetic happened to produce it. A value nested more than MAX_VALUE_DEPTH
 * levels deep is refused with NestingTooDeepError before anything recurses that deep.
 */
export function encodeJson(value: unknown, path: string | (() => string)): string {
  const top = value === undefined ? null : value;
  // The common case, a group member's args: a list of plain values, checked without a walk.
  if (isListOfPlainValues(top)) return JSON.stringify(top);
  const problem = top !== null && typeof top === 'object' ? findProblem(top, [], new Set()) : findProblem(top, [], NO_ANCESTORS);
  if (problem) {
    // The path is built only for the error: submit encodes one value per node.
    const base = typeof path === 'function' ? path() : path;
    // The path to a too-deep level is hundreds of segments long: its start says enough.
    if (problem.tooDeep) throw new NestingTooDeepError('value', `${base}${problem.at.slice(0, 8).join('')}…`, MAX_VALUE_DEPTH);
    throw new NotJsonError(base + problem.at.join(''), problem.reason);
  }
  return JSON.stringify(top);
}

function isListOfPlainValues(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (item === null || typeof item === 'string' || typeof item === 'boolean') continue;
    if (typeof item === 'number' && Number.isFinite(item)) continue;
    return false;
  }
  return true;
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'number') return String(value);
  if (value === undefined) return 'undefined';
  const name = (value as object).constructor?.name;
  return name ? `a ${name}` : 'an object';
}

/** Primitives have no ancestors to track: no Set is made for them (one result per attempt). */
const NO_ANCESTORS: Set<object> = new Set();

interface Problem {
  /** Path segments below the top, e.g. ['[1]', '.when']. */
  readonly at: readonly string[];
  readonly reason: string;
  /** Nested more than MAX_VALUE_DEPTH levels (the walk stopped there). */
  readonly tooDeep?: true;
}

/** The first thing JSON cannot carry faithfully, with where it sits; null when there is none. */
function findProblem(value: unknown, at: string[], ancestors: Set<object>): Problem | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { at: [...at], reason: `${describe(value)} cannot be stored as JSON` };
    case 'object':
      break;
    default:
      return { at: [...at], reason: `${describe(value)} cannot be stored as JSON` };
  }
  if (value === null) return null;
  if (ancestors.has(value)) return { at: [...at], reason: 'circular reference cannot be stored as JSON' };
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return null;
  // One path segment per level: the walk stops before the stack could run out.
  if (at.length >= MAX_VALUE_DEPTH) return { at: [...at], reason: 'nested too deep', tooDeep: true };
  ancestors.add(value);
  let problem: Problem | null = null;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length && !problem; index++) {
      const item: unknown = value[index];
      // Primitives need no path segment (the common case: a group member's args).
      if (typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item))) continue;
      at.push(`[${index}]`);
      problem = findProblem(item, at, ancestors);
      at.pop();
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      problem = { at: [...at], reason: `${describe(value)} cannot be stored as JSON (only plain objects and arrays)` };
    } else {
      for (const key in value) {
        const item: unknown = (value as Record<string, unknown>)[key];
        // JSON.stringify drops undefined properties, as JavaScript users expect.
        if (item === undefined || !Object.prototype.hasOwnProperty.call(value, key)) continue;
        at.push(`.${key}`);
        problem = findProblem(item, at, ancestors);
        at.pop();
        if (problem) break;
      }
    }
  }
  ancestors.delete(value);
  return problem;
}

/**
 * Refuse a value nested more than MAX_VALUE_DEPTH levels deep, walking it without recursion:
 * for the worker to run before a result schema, which would recurse into it first.
 */
export function assertNotTooDeep(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  const pending: [object, number][] = [[value, 1]];
  const seen = new Set<object>();
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next;
    if (depth > MAX_VALUE_DEPTH) throw new NestingTooDeepError('value', `${path}…`, MAX_VALUE_DEPTH);
    // A circular value is encodeJson's to refuse (with where it loops); seen keeps this walk finite.
    if (seen.has(item)) continue;
    seen.add(item);
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') pending.push([child as object, depth + 1]);
    }
  }
}
