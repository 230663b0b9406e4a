import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { parseMessage } from '../../src/store/messages.js';
import { type BatchCompleteOutcome, type Completion, type FillSlots, type MultiCompleteOutcome, NodeStore, type StartedNode } from '../../src/store/node-store.js';
import { CompletionBatcher } from '../../src/worker/completion-batcher.js';
import { useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

/** A NodeStore that records each complete-nodes call it makes (against the real Redis). */
class CountingNodeStore extends NodeStore {
  readonly calls: number[] = [];

  /** Runs per call, for calls of more than one completion. */
  readonly runsPerCall: number[] = [];

  override completeMany(runId: string, completions: readonly Completion[], fill: FillSlots | null): Promise<BatchCompleteOutcome> {
    this.calls.push(completions.length);
    return super.completeMany(runId, completions, fill);
  }

  override completeRuns(runs: readonly { readonly runId: string; readonly completions: readonly Completion[] }[], fill: FillSlots | null): Promise<MultiCompleteOutcome> {
    this.calls.push(runs.reduce((sum, run) => sum + run.completions.length, 0));
    this.runsPerCall.push(runs.length);
    return super.completeRuns(runs, fill);
  }
}

describe('CompletionBatcher', () => {
  const makeApp = useApps();

  async function setup(roots: number) {
    const app = makeApp();
    const { identity, tsum } = canvasTasks(app);
    const run = await app.submit(chain(group(Array.from({ length: roots }, (_, index) => identity.si(index + 1))), tsum.s()));
    const nodes = new CountingNodeStore(app.redis, new KeySpace(app.config.prefix));
    const { claimed } = await nodes.claim(0, ['default'], roots, 30_000);
    const outcomes = await nodes.startMany(run.id, 'default', claimed.map(({ message }) => parseMessage(message)!), 5, '{}');
    const started = outcomes.map((outcome) => ('started' in outcome ? outcome.started : null)).filter((node): node is StartedNode => node !== null);
    expect(started).toHaveLength(roots);
    const batcher = new CompletionBatcher(nodes, {
      maxBatch: 100,
      slots: { queues: ['default'], leaseMs: 30_000, maxLeaseExpiries: 5, leaseExpiredErrorJson: '{}', claimFromQueues: true },
      onClaimed: () => undefined,
      onRunFinished: () => undefined,
    });
    return { run, nodes, started, batcher };
  }

  it('sends the completions of one turn in one call, at the end of the microtask queue', async () => {
    const { run, nodes, started, batcher } = await setup(3);
    const reports = started.map((node, index) => batcher.complete(node, String(index + 1), '', true));
    expect(nodes.calls).toEqual([]); // nothing sent yet
    const [first, second, third] = await Promise.all(reports);
    expect(nodes.calls).toEqual([3]);
    expect([first!.kind, second!.kind, third!.kind]).toEqual(['completed', 'completed', 'completed']);
    // The join became ready with the last completion and was handed to one of the slots.
    expect([first!.next, second!.next, third!.next].filter(Boolean).map((node) => node!.message.nodeId)).toEqual(['3']);
    expect(await run.inspect()).toMatchObject({ status: 'running' });
  });

  it('sends a completion that nothing can join at once, in its own call', async () => {
    const { nodes, started, batcher } = await setup(2);
    const report = batcher.complete(started[0]!, '1', '', true, true);
    expect(nodes.calls).toEqual([1]); // sent before complete() returned
    expect(await report).toMatchObject({ kind: 'completed', runFinished: false, next: null });
  });

  it('adds a completion that nothing else can join to a batch already waiting', async () => {
    const { nodes, started, batcher } = await setup(2);
    const reports = [batcher.complete(started[0]!, '1', '', true), batcher.complete(started[1]!, '2', '', true, true)];
    expect(nodes.calls).toEqual([]);
    const kinds = (await Promise.all(reports)).map((report) => report.kind);
    expect(nodes.calls).toEqual([2]);
    expect(kinds).toEqual(['completed', 'completed']);
  });

  it('sends the completions of several runs of one turn in one call, and tells each run that finished', async () => {
    const app = makeApp();
    const { identity } = canvasTasks(app);
    const runs = [await app.submit(identity.si('a')), await app.submit(identity.si('b')), await app.submit(chain(identity.si('c'), identity.s()))];
    const nodes = new CountingNodeStore(app.redis, new KeySpace(app.config.prefix));
    const started: StartedNode[] = [];
    for (let shard = 0; shard < app.keys.shards.length; shard++) {
      const { claimed } = await nodes.claim(shard, ['default'], 10, 30_000);
      for (const run of runs) {
        const mine = claimed.map(({ message }) => parseMessage(message)!).filter((message) => message.runId === run.id);
        if (mine.length === 0) continue;
        for (const outcome of await nodes.startMany(run.id, 'default', mine, 5, '{}')) if ('started' in outcome) started.push(outcome.started);
      }
    }
    expect(started).toHaveLength(3);
    const finished: [string, string][] = [];
    const batcher = new CompletionBatcher(nodes, {
      maxBatch: 100,
      slots: { queues: ['default'], leaseMs: 30_000, maxLeaseExpiries: 5, leaseExpiredErrorJson: '{}', claimFromQueues: true },
      onClaimed: () => undefined,
      onRunFinished: (runId, finish) => finished.push([runId, finish]),
    });
    const reports = await Promise.all(started.map((node) => batcher.complete(node, JSON.stringify(node.spec.args[0]), '', true)));
    expect(reports.map((report) => report.kind)).toEqual(['completed', 'completed', 'completed']);
    // One call per shard the three runs fall in, each with all of that shard's runs.
    const shards = new Set(runs.map((run) => app.keys.shardOf(run.id)));
    expect(nodes.calls.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(nodes.calls).toHaveLength(shards.size);
    // The one-task runs finished, told with their finish messages; the chain's next step was handed to a slot.
    expect(finished.sort()).toEqual(
      [
        [runs[0]!.id, 'succeeded\n["a"]'],
        [runs[1]!.id, 'succeeded\n["b"]'],
      ].sort(),
    );
    expect(reports.filter((report) => report.runFinished)).toHaveLength(2);
    expect(reports.map((report) => report.next?.message.runId).filter(Boolean)).toEqual([runs[2]!.id]);
    expect(await runs[0]!.result({ timeoutMs: 5000 })).toBe('a');
    expect((await runs[2]!.inspect()).nodes.map((node) => node.status)).toEqual(['succeeded', 'running']);
  });
});
