import { describe, expect, it } from 'vitest';
import { type AnyCanvas, chain, createApp, group } from '../../src/index.js';
import { compileCanvas } from '../../src/graph/compile.js';
import { planSubmission } from '../../src/graph/plan.js';
import { parseSpec } from '../../src/store/spec-format.js';

// A worker sends a completion to complete-step only when the node's spec marks its one dependant
// a hop (SpecFields.hop): a guess that misses costs a round trip (complete-step answers nil, then
// complete-nodes), so the mark must be exactly complete-step's static conditions.

/** Each node's hop mark, by node id, as submit would store it. */
function hops(canvas: AnyCanvas): Record<string, boolean> {
  const plan = planSubmission(compileCanvas(canvas), { lookup: () => undefined, maxPayloadBytes: 1_000_000, maxCanvasNodes: 1000, maxCanvasBytes: 1_000_000 });
  return Object.fromEntries(plan.nodes.map((node) => [node.id, parseSpec(node.specJson).hop === true]));
}

describe('the hop mark in a spec', () => {
  // Signatures need no connection: the app never connects.
  const app = createApp({ redis: 'redis://127.0.0.1:1' });
  const step = (...args: unknown[]) => app.signature('step', args);

  it('marks a chain step whose successor reads only its result', () => {
    expect(hops(chain(step(1), step(), step()))).toEqual({ 0: true, 1: true, 2: false });
  });

  it('does not mark a group member feeding a join, nor the step before a group', () => {
    // chain(a, group(b, c), d): a has two dependants; b and c feed d, which waits for both.
    expect(hops(chain(step(1), group(step(), step()), step()))).toEqual({ 0: false, 1: false, 2: false, 3: false });
  });

  it('does not mark a successor that reads nothing, or has a queue, a priority, a countdown or an eta', () => {
    expect(hops(chain(step(1), app.signature('step', [2], { immutable: true })))).toEqual({ 0: false, 1: false });
    for (const options of [{ queue: 'other' }, { priority: 3 }, { countdownMs: 10 }, { eta: new Date(Date.now() + 60_000) }]) {
      expect(hops(chain(step(1), app.signature('step', [], options))), JSON.stringify(options)).toEqual({ 0: false, 1: false });
    }
  });
});
