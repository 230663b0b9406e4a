import { describe, expect, it } from 'vitest';
import { decodeTime, isValid } from 'ulid';
import { newRunId } from '../../src/util/run-ids.js';

describe('newRunId', () => {
  it('makes valid ULIDs of the current time, all different, with every character of the alphabet in use', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5000 }, () => newRunId());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(isValid(id)).toBe(true);
      expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
      expect(decodeTime(id)).toBeLessThanOrEqual(after);
    }
    // The random part spans Crockford's 32 characters (a biased draw would miss some).
    const seen = new Set(ids.flatMap((id) => [...id.slice(10)]));
    expect(seen.size).toBe(32);
  });
});
