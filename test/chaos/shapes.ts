/**
 * The runs the chaos suite submits: a seeded mix of shapes, each with the terminal status and
 * result it must end with, computed here by hand (the tasks are deterministic).
 */
import { type AnyCanvas, chain, chord, dag, group, map, when } from '../../src/index.js';
import type { ChaosTasks } from './tasks.js';

export interface PlannedRun {
  readonly shape: string;
  readonly canvas: AnyCanvas;
  readonly status: 'succeeded' | 'failed';
  /** The run's result when it succeeds. */
  readonly result?: unknown;
  /** A failed run with an error callback as its last node: what the callback must end with. */
  readonly callback?: unknown;
}

/** mulberry32: a small seeded PRNG, so a failing chaos run can be repeated with its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ShapeSizes {
  /** Widest chord header. */
  readonly maxWidth: number;
  /** Longest chain. */
  readonly maxChain: number;
}

export function planRuns(tasks: ChaosTasks, count: number, seed: number, sizes: ShapeSizes): PlannedRun[] {
  const next = random(seed);
  const between = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
  const { seed: seedTask, inc, sum, slow, flaky, boom, isEven, add, list, spread, failure } = tasks;
  const shapes: (() => PlannedRun)[] = [
    () => {
      // chain(seed(a), inc x n)
      const start = between(0, 100);
      const length = between(3, sizes.maxChain);
      return {
        shape: 'chain',
        canvas: chain(seedTask.si(start), ...Array.from({ length }, () => inc.s())),
        status: 'succeeded',
        result: start + length,
      };
    },
    () => {
      // chord(group(n x slow(i)), sum): a wide fan-in, its members long enough to be caught by kills
      const width = between(Math.min(20, sizes.maxWidth), sizes.maxWidth);
      const ms = between(20, 150);
      return {
        shape: 'wide chord',
        canvas: chord(group(Array.from({ length: width }, (_, index) => slow.si(index, ms))), sum.s()),
        status: 'succeeded',
        result: (width * (width - 1)) / 2,
      };
    },
    () => {
      // chain(seed(a), group(k x chain(inc, chord(group(inc, inc), sum))), sum): chords inside a group inside a chain
      const start = between(0, 50);
      const branches = between(2, 6);
      // Each branch: inc -> a+1; chord(group(inc, inc), sum) -> 2 * (a + 2).
      return {
        shape: 'nested chords',
        canvas: chain(
          seedTask.si(start),
          group(Array.from({ length: branches }, () => chain(inc.s(), chord(group(inc.s(), inc.s()), sum.s())))),
          sum.s(),
        ),
        status: 'succeeded',
        result: branches * 2 * (start + 2),
      };
    },
    () => {
      // chain(seed(a), flaky(f), inc): retried until it succeeds
      const start = between(1, 50);
      const failures = between(1, 2);
      return { shape: 'retries', canvas: chain(seedTask.si(start), flaky.s(failures), inc.s()), status: 'succeeded', result: start * 2 + 1 };
    },
    () => {
      // chain(seed(a) after a countdown, inc, inc)
      const start = between(0, 50);
      const countdownMs = between(100, 1500);
      return {
        shape: 'countdown',
        canvas: chain(seedTask.si(start).set({ countdownMs }), inc.s(), inc.s()),
        status: 'succeeded',
        result: start + 2,
      };
    },
    () => {
      // chain(seed(a), when(isEven, chain(inc, inc), chord(group(inc, inc), sum)), inc): one branch skipped
      const start = between(0, 50);
      return {
        shape: 'when',
        canvas: chain(seedTask.si(start), when(isEven.s(), chain(inc.s(), inc.s()), chord(group(inc.s(), inc.s()), sum.s())), inc.s()),
        status: 'succeeded',
        result: start % 2 === 0 ? start + 3 : 2 * (start + 1) + 1,
      };
    },
    () => {
      // chain(seed(a), dag(x = inc, y = chain(inc, inc), add after [x, y])): a join of two parents
      const start = between(0, 50);
      const joined = dag<number, number>();
      const x = joined.add(inc.s());
      const y = joined.add(chain(inc.s(), inc.s()));
      joined.add(add.s(), { after: [x, y] });
      return { shape: 'dag', canvas: chain(seedTask.si(start), joined), status: 'succeeded', result: 2 * start + 3 };
    },
    () => {
      // chain(seed(a), list(n), map(chain(inc, inc)), sum): a map over a list made at run time
      const start = between(0, 50);
      const width = between(2, Math.max(2, sizes.maxWidth));
      return {
        shape: 'map',
        canvas: chain(seedTask.si(start), list.s(width), map(chain(inc.s(), inc.s())), sum.s()),
        status: 'succeeded',
        result: width * (start + 2) + (width * (width - 1)) / 2,
      };
    },
    () => {
      // chain(seed(a), spread(n), sum): a node replaced by a group of n incs
      const start = between(0, 50);
      const count = between(2, 20);
      return {
        shape: 'replace',
        canvas: chain(seedTask.si(start), spread.s(count), sum.s()),
        status: 'succeeded',
        result: count * (start + 1) + (count * (count - 1)) / 2,
      };
    },
    () => {
      // chain(seed(a), group(inc, boom), sum): must end failed, whatever happens to the workers
      const start = between(0, 50);
      return { shape: 'failing', canvas: chain(seedTask.si(start), group(inc.s(), boom.s()), sum.s()), status: 'failed' };
    },
    () => {
      // chain(seed(a), group(inc, boom)).onError(failure): fails, and its callback runs in the failed run
      const start = between(0, 50);
      return {
        shape: 'onError',
        canvas: chain(seedTask.si(start), group(inc.s(), boom.s())).onError(failure.s()),
        status: 'failed',
        callback: `boom: boom at ${start}`,
      };
    },
  ];
  // Every shape at least once, then a seeded mix.
  return Array.from({ length: count }, (_, index) => (index < shapes.length ? shapes[index]! : shapes[between(0, shapes.length - 1)]!)());
}
