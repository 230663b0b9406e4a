import { describe, expect, it } from 'vitest';
import { NotJsonError } from '../../src/index.js';
import { encodeJson } from '../../src/util/json.js';

describe('encodeJson', () => {
  it('encodes plain data, dates through toJSON, and undefined as null', () => {
    expect(encodeJson({ a: [1, 'x', null, true], b: { c: 2 } }, 'v')).toBe('{"a":[1,"x",null,true],"b":{"c":2}}');
    expect(encodeJson(new Date(0), 'v')).toBe('"1970-01-01T00:00:00.000Z"');
    expect(encodeJson(undefined, 'v')).toBe('null');
    expect(encodeJson({ dropped: undefined, kept: 1 }, 'v')).toBe('{"kept":1}');
  });

  it.each([
    ['a function', { f: () => 1 }, 'v.f: a function cannot be stored as JSON'],
    ['a BigInt', [1n], 'v[0]: a BigInt cannot be stored as JSON'],
    ['NaN', { n: Number.NaN }, 'v.n: NaN cannot be stored as JSON'],
    ['Infinity', [Infinity], 'v[0]: Infinity cannot be stored as JSON'],
    ['a Map', { m: new Map() }, 'v.m: a Map cannot be stored as JSON'],
    ['undefined in an array', [undefined], 'v[0]: undefined cannot be stored as JSON'],
    ['a symbol', Symbol('s'), 'v: a symbol cannot be stored as JSON'],
  ])('refuses %s, naming where it is', (_name, value, message) => {
    expect(() => encodeJson(value, 'v')).toThrow(NotJsonError);
    expect(() => encodeJson(value, 'v')).toThrow(message);
  });

  it('refuses circular references', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;
    expect(() => encodeJson(value, 'v')).toThrow('v.self: circular reference cannot be stored as JSON');
  });

  it('accepts the same object twice when it is not circular', () => {
    const shared = { x: 1 };
    expect(encodeJson([shared, shared], 'v')).toBe('[{"x":1},{"x":1}]');
  });
});
