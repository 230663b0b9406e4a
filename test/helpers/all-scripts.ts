import { cancelNodes } from '../../src/store/scripts/cancel-nodes.js';
import { cancelRun } from '../../src/store/scripts/cancel-run.js';
import { claim } from '../../src/store/scripts/claim.js';
import { claimRun } from '../../src/store/scripts/claim-run.js';
import { completeNodes } from '../../src/store/scripts/complete-nodes.js';
import { completeStep } from '../../src/store/scripts/complete-step.js';
import { deadLetter } from '../../src/store/scripts/dead-letter.js';
import { deleteNodes } from '../../src/store/scripts/delete-nodes.js';
import { deleteRun } from '../../src/store/scripts/delete-run.js';
import { enqueueRoots } from '../../src/store/scripts/enqueue-roots.js';
import { expandNode } from '../../src/store/scripts/expand-node.js';
import { extendLease } from '../../src/store/scripts/extend-lease.js';
import { claimTick } from '../../src/store/scripts/claim-tick.js';
import { deleteSchedule } from '../../src/store/scripts/delete-schedule.js';
import { failNode } from '../../src/store/scripts/fail-node.js';
import { fireDone } from '../../src/store/scripts/fire-done.js';
import { pauseSchedule } from '../../src/store/scripts/pause-schedule.js';
import { upsertSchedule } from '../../src/store/scripts/upsert-schedule.js';
import { fireErrbacks } from '../../src/store/scripts/fire-errbacks.js';
import { pruneRuns } from '../../src/store/scripts/prune-runs.js';
import { queueStats } from '../../src/store/scripts/queue-stats.js';
import { recordProgress } from '../../src/store/scripts/record-progress.js';
import { releaseMessages } from '../../src/store/scripts/release-messages.js';
import { reopenNodes } from '../../src/store/scripts/reopen-nodes.js';
import { reopenRun } from '../../src/store/scripts/reopen-run.js';
import { repairRun } from '../../src/store/scripts/repair-run.js';
import { startNodes } from '../../src/store/scripts/start-nodes.js';
import { submitRun } from '../../src/store/scripts/submit-run.js';
import { workerHeartbeat } from '../../src/store/scripts/worker-heartbeat.js';

/** Every declared script, by name, for the tests and benchmarks that list them (the engine's callers import each from its module). */
export const scripts = {
  submitRun,
  enqueueRoots,
  claim,
  claimRun,
  startNodes,
  completeNodes,
  completeStep,
  expandNode,
  failNode,
  upsertSchedule,
  pauseSchedule,
  deleteSchedule,
  claimTick,
  fireDone,
  fireErrbacks,
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
