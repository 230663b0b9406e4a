/**
 * `npx tsx workflows/payments-on-error.ts`: the issue's example of an error callback. Each order
 * is charged, then shipped; when either step fails for good, `notifyOps` runs once with the
 * failure and the team to page, and the run still fails. An order whose card is declined shows
 * the callback running; one that goes through shows it `skipped`. One process runs the worker,
 * submits one run per order, and prints each run's nodes and outcome. Redis at REDIS_URL
 * (default redis://127.0.0.1:6379), keys under CELERIAC_PREFIX (default `celeriac-payments`).
 */
import { chain, createApp, type TaskFailure, WorkflowFailedError } from '../src/index.js';

interface Order {
  readonly id: string;
  readonly cents: number;
  readonly card: string;
}

const app = createApp({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.CELERIAC_PREFIX ?? 'celeriac-payments',
});

class CardDeclinedError extends Error {
  override readonly name = 'CardDeclinedError';
}

const charge = app.task({ name: 'charge' }, (order: Order) => {
  if (order.card.endsWith('0002')) throw new CardDeclinedError(`card ${order.card} declined for order ${order.id}`);
  return { orderId: order.id, chargeId: `ch_${order.id}`, cents: order.cents };
});
const ship = app.task({ name: 'ship' }, (charged: { orderId: string; chargeId: string }) => `shipped ${charged.orderId} (${charged.chargeId})`);
const notifyOps = app.task({ name: 'notifyOps' }, (failure: TaskFailure, team: string) => {
  const line = `paged ${team}: ${failure.task} #${failure.nodeId} of run ${failure.runId} failed: ${failure.error.name}: ${failure.error.message}`;
  console.log(`  [notifyOps] ${line}`);
  return line;
});

async function main(): Promise<void> {
  const worker = app.worker({ concurrency: 4 });
  await worker.start();
  try {
    const orders: Order[] = [
      { id: 'A-1001', cents: 4_200, card: '4242424242424242' },
      { id: 'A-1002', cents: 9_900, card: '4000000000000002' },
    ];
    for (const order of orders) {
      const run = await app.submit(chain(charge.s(order), ship.s()).onError(notifyOps.s('payments')), { name: `order ${order.id}` });
      const outcome = await run.result({ timeoutMs: 30_000 }).catch((error: unknown) => error);
      console.log(`run ${run.id} (order ${order.id}): ${outcome instanceof WorkflowFailedError ? `failed: ${outcome.message}` : String(outcome)}`);
      // The callback runs after the run has failed: wait for every node to finish before printing.
      let nodes = (await run.inspect()).nodes;
      while (nodes.some((node) => ['pending', 'queued', 'delayed', 'running'].includes(node.status))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        nodes = (await run.inspect()).nodes;
      }
      for (const node of nodes) console.log(`  ${node.id} ${node.task.padEnd(17)} ${node.status}`);
    }
  } finally {
    await worker.close();
    await app.close();
  }
}

await main();
