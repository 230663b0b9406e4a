import type { Canvas } from './canvas/canvas.js';
import type { TaskDefinition } from './canvas/task.js';
import type { AppConfig } from './config.js';
import { ConfigError } from './errors/index.js';
import { compileCanvas } from './graph/compile.js';
import { type SubmissionPlan, planSubmission } from './graph/plan.js';
import type { RunPage, RunStore } from './store/run-store.js';
import { parseInstant } from './util/instant.js';
import { describeZodError } from './util/zod.js';
import { type ListRunsOptions, listRunsSchema, type RunList, runIdSchema, type SubmitOptions } from './app-options.js';

/**
 * What app.submit() writes: the options checked, the canvas compiled and validated against the
 * app's tasks and limits, its asynchronous schemas settled. Throws a typed error before anything
 * is written.
 */
export async function planRun(
  canvas: Canvas<never, unknown>,
  options: SubmitOptions,
  config: AppConfig,
  lookup: (task: string) => TaskDefinition | undefined,
  newId: () => string,
): Promise<{ id: string; name: string; plan: SubmissionPlan }> {
  const id = options.id ?? newId();
  const idCheck = runIdSchema.safeParse(id);
  if (!idCheck.success) throw new ConfigError('submit()', describeZodError(idCheck.error, 'options.id'));
  const name = options.name ?? '';
  if (typeof name !== 'string') throw new ConfigError('submit()', 'options.name must be a string');
  const startAtMs = options.startAt === undefined ? undefined : parseInstant(options.startAt, 'submit(): options.startAt');
  const compiled = compileCanvas(canvas, { maxNodes: config.maxCanvasNodes });
  const plan = planSubmission(compiled, {
    lookup,
    maxPayloadBytes: config.maxPayloadBytes,
    maxCanvasNodes: config.maxCanvasNodes,
    maxCanvasBytes: config.maxCanvasBytes,
    ...(startAtMs !== undefined ? { startAtMs } : {}),
  });
  // Asynchronous schemas settle here, before anything is written.
  if (plan.pendingChecks) await plan.pendingChecks;
  return { id, name, plan };
}

/**
 * A run with at most this many ready roots may have them started by a worker of the submitting
 * process (eager start, submit-run.lua); a wider one is better spread over every worker, through
 * its queues.
 */
const EAGER_MAX_ROOTS = 4;

/** The queue of each ready root a worker of this process may start at submit, or none. */
export function eagerRootQueues(plan: SubmissionPlan): readonly string[] {
  const queues: string[] = [];
  for (const node of plan.nodes) {
    if (node.waiting !== 0) continue;
    // Delayed roots wait in their queue's delayed set.
    if (node.countdownMs !== 0 || node.etaMs !== 0) continue;
    if (queues.length === EAGER_MAX_ROOTS) return [];
    queues.push(node.queue);
  }
  return queues;
}

/** app.listRuns()'s options, checked (ConfigError), as RunStore.list takes them. */
export function listRunsQuery(options: ListRunsOptions): Parameters<RunStore['list']>[0] {
  const parsed = listRunsSchema.safeParse(options);
  if (!parsed.success) throw new ConfigError('listRuns()', describeZodError(parsed.error, 'options'));
  return {
    limit: parsed.data.limit,
    ...(parsed.data.status ? { status: parsed.data.status } : {}),
    ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}),
  };
}

/** One page of the run index, as app.listRuns() returns it. */
export function runListOf(page: RunPage): RunList {
  return {
    runs: page.runs.map((meta) => ({
      id: meta.id,
      name: meta.name,
      status: meta.status,
      createdAt: new Date(meta.createdAt),
      ...(meta.finishedAt !== undefined ? { finishedAt: new Date(meta.finishedAt) } : {}),
      nodeCount: meta.nodeCount,
      unfinished: meta.unfinished,
    })),
    cursor: page.cursor,
  };
}
