import { cancelNodes } from './cancel-nodes.js';
import { cancelRun } from './cancel-run.js';
import { claim } from './claim.js';
import { completeNodes } from './complete-nodes.js';
import { completeStep } from './complete-step.js';
import { deadLetter } from './dead-letter.js';
import { deleteNodes } from './delete-nodes.js';
import { deleteRun } from './delete-run.js';
import { enqueueRoots } from './enqueue-roots.js';
import { extendLease } from './extend-lease.js';
import { failNode } from './fail-node.js';
import { pruneRuns } from './prune-runs.js';
import { queueStats } from './queue-stats.js';
import { recordProgress } from './record-progress.js';
import { releaseMessages } from './release-messages.js';
import { reopenNodes } from './reopen-nodes.js';
import { reopenRun } from './reopen-run.js';
import { repairRun } from './repair-run.js';
import { startNodes } from './start-nodes.js';
import { submitRun } from './submit-run.js';
import { workerHeartbeat } from './worker-heartbeat.js';

/** Every declared script, by name: the callers import each from its module; this is for the tools that list them (benchmarks). */
export const scripts = {
  submitRun,
  enqueueRoots,
  claim,
  startNodes,
  completeNodes,
  completeStep,
  failNode,
  extendLease,
  cancelRun,
  cancelNodes,
  reopenRun,
  reopenNodes,
  pruneRuns,
  deadLetter,
  repairRun,
  recordProgress,
  releaseMessages,
  deleteRun,
  deleteNodes,
  queueStats,
  workerHeartbeat,
} as const;
