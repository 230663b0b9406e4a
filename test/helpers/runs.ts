import type { App, Run, RunInspection } from '../../src/index.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'skipped']);

/** Inspect until no node can change any more (independent branches may outlive a failure). */
export async function settled(run: Run): Promise<RunInspection> {
  for (;;) {
    const inspection = await run.inspect();
    if (inspection.nodes.every((node) => FINAL.has(node.status))) return inspection;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How many of the run's nodes are in each status. */
export async function statuses(run: Run): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const node of (await run.inspect()).nodes) counts.set(node.status, (counts.get(node.status) ?? 0) + 1);
  return counts;
}

/** How many messages wait in the default queue's ready set, range members counted as every node they stand for. */
export async function readyCount(app: App): Promise<number> {
  const [queue] = await app.queues({ names: ['default'] });
  return queue!.ready;
}
