import { NotJsonError } from '../errors/index.js';

/**
 * Encode a value for Redis, refusing anything JSON would silently change or drop: functions,
 * symbols, BigInt, undefined inside arrays, NaN and the infinities, Maps, Sets, class instances
 * without toJSON, and circular references. `undefined` at the top becomes null (a handler that
 * returns nothing produced null, like Celery's None). Objects with toJSON (Date) are accepted,
 * as JSON.stringify would treat them.
 */
export function encodeJson(value: unknown, path: string): string {
  assertJsonValue(value === undefined ? null : value, path, new Set());
  return JSON.stringify(value === undefined ? null : value);
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

function assertJsonValue(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new NotJsonError(path, `${describe(value)} cannot be stored as JSON`);
      return;
    case 'object':
      break;
    default:
      throw new NotJsonError(path, `${describe(value)} cannot be stored as JSON`);
  }
  if (value === null) return;
  if (ancestors.has(value)) throw new NotJsonError(path, 'circular reference cannot be stored as JSON');
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return;
  ancestors.add(value);
  if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => assertJsonValue(item, `${path}[${index}]`, ancestors));
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new NotJsonError(path, `${describe(value)} cannot be stored as JSON (only plain objects and arrays)`);
    }
    for (const [key, item] of Object.entries(value)) {
      // JSON.stringify drops undefined properties, as JavaScript users expect.
      if (item === undefined) continue;
      assertJsonValue(item, `${path}.${key}`, ancestors);
    }
  }
  ancestors.delete(value);
}
