import { describe, expect, it } from 'vitest';
import { chain, group } from '../../src/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { parseMessage } from '../../src/store/messages.js';
import { type BatchCompleteOutcome, type Completion, type FillSlots, NodeStore, type StartedNode } from '../../src/store/node-store.js';
import { CompletionBatcher } from '../../src/worker/completion-batcher.js';
import { useApps } from '../helpers/apps.js';
import { canvasTasks } from '../helpers/tasks.js';

/** A NodeStore that records each complete-nodes call it makes (against the real Redis). */
class CountingNodeStore extends NodeStore {
  readonly calls: number[] = [];

  override completeMany(runId: string, completions: readonly Completion[], fill: FillSlots | null): Promise<BatchCompleteOutcome> {
    this.calls.push(completions.length);
    return super.completeMany(runId, completions, fill);
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
});
