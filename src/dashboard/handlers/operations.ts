import type { DeadLettersPage, QueuesPage, WorkersPage, WorkerRow } from '../api-types.js';
import { THROUGHPUT_BUCKET_MS } from '../../store/throughput.js';
import type { WorkerInfo } from '../../store/workers.js';
import type { RequestContext } from '../context.js';
import { intParam } from '../params.js';

/** GET /api/queues */
export async function queuesPage({ app }: RequestContext): Promise<QueuesPage> {
  const [at, throughput] = await Promise.all([app.time().then((time) => time.getTime()), app.throughput()]);
  // Queues that finished work lately are shown too, though no running run uses them now.
  const queues = await app.queues({ names: throughput.map((entry) => entry.queue) });
  const byQueue = new Map(throughput.map((entry) => [entry.queue, entry]));
  return {
    at,
    queues: queues.map((queue) => {
      const entry = byQueue.get(queue.name);
      return {
        ...queue,
        bucketMs: entry?.bucketMs ?? THROUGHPUT_BUCKET_MS,
        throughput: (entry?.points ?? []).map((point) => ({ at: point.at.getTime(), succeeded: point.succeeded, failed: point.failed })),
      };
    }),
  };
}

function workerRow(worker: WorkerInfo): WorkerRow {
  return {
    id: worker.id,
    host: worker.host,
    pid: worker.pid,
    queues: worker.queues,
    concurrency: worker.concurrency,
    inFlight: worker.inFlight,
    startedAt: worker.startedAt.getTime(),
    lastSeenAt: worker.lastSeenAt.getTime(),
  };
}

/** GET /api/workers */
export async function workersPage({ app }: RequestContext): Promise<WorkersPage> {
  const list = await app.workers();
  return { at: list.at.getTime(), live: list.live.map(workerRow), silent: list.silent.map(workerRow) };
}

/** GET /api/dead-letters?limit= */
export async function deadLettersPage({ app, url }: RequestContext): Promise<DeadLettersPage> {
  const limit = intParam(url, 'limit', 0, 1000, 100);
  const letters = await app.deadLetters({ limit });
  return {
    counts: letters.counts,
    total: letters.total,
    entries: letters.entries.map((entry) => ({
      at: entry.at.getTime(),
      queue: entry.queue,
      message: entry.message,
      reason: entry.reason,
      ...(entry.runId !== undefined ? { runId: entry.runId } : {}),
      ...(entry.nodeId !== undefined ? { nodeId: entry.nodeId } : {}),
    })),
  };
}
