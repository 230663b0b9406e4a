import { randomFillSync } from 'node:crypto';
import { ulid } from 'ulid';

/** Random values drawn per refill: a ULID takes 16. */
const BATCH = 1024;
const values = new Uint32Array(BATCH);
let next = BATCH;

/**
 * Uniform in [0, 1) from the system's CSPRNG, drawn in batches: ulid's own generator calls into
 * crypto once per character, sixteen calls per id, which showed in a one-task run's profile.
 */
function batchedRandom(): number {
  if (next === BATCH) {
    randomFillSync(values);
    next = 0;
  }
  return values[next++]! / 0x1_0000_0000;
}

/** A new run id: a ULID (ordered by creation time), its random part from the CSPRNG. */
export function newRunId(): string {
  return ulid(undefined, batchedRandom);
}
