export type { PurgeRunsOptions, PurgeOutcome } from './run/purge.js';
export {
  createApp,
  App,
  type SubmitOptions,
  type ListRunsOptions,
  type RunList,
  type RunSummary,
  type AnyContract,
  type HandlerOf,
  type TaskOf,
  type EventsOptions,
  type QueuesOptions,
  type RecentEventsOptions,
} from './app.js';
export { EVENT_TYPES } from './store/events.js';
export type {
  CeleriacEvent,
  EventBase,
  NodeEventBase,
  CeleriacEventType,
  EventError,
  RunSubmittedEvent,
  RunSucceededEvent,
  RunFailedEvent,
  RunCancelledEvent,
  RunReopenedEvent,
  RunDamagedEvent,
  NodeQueuedEvent,
  NodeStartedEvent,
  NodeSucceededEvent,
  NodeFailedEvent,
  NodeRetryingEvent,
  NodeCancelledEvent,
  NodeSkippedEvent,
  NodeExpandedEvent,
  NodeProgressEvent,
} from './store/events.js';
export type { AppOptions, ClusterConnectionOptions, RedisConnectionOptions } from './config.js';
export type { RedisClient } from './store/redis-client.js';
export { Schedules, type ScheduleInfo } from './schedule/schedules.js';
export type { ScheduleOptions } from './schedule/schedule-options.js';
export type { OverlapPolicy } from './store/schedule-format.js';
export { Canvas, OnError, type AnyCanvas, type InputOf, type OutputOf, type Spread, type TaskFailure } from './canvas/canvas.js';
export { dag, Dag, DagNode, type DagAddOptions, type DagEntry, type DagOutputs, type ParentsInput } from './canvas/dag.js';
export { when, When, type WhenInput } from './canvas/when.js';
export { map, MapCanvas } from './canvas/map.js';
export { replace, Replacement, type Unreplaced } from './canvas/replace.js';
export { Signature, type SignatureOptions } from './canvas/signature.js';
export { Task, type TaskOptions, type RetryPolicy, type TaskHandler } from './canvas/task.js';
export { defineTask, TaskContract, type ArgsSchema, type Head, type Tail, type OpenSuffix, type OpenHead, type SpreadOf, type SuffixesOf, type Tuple, type SchemaInput, type SchemaOutput } from './canvas/contract.js';
export type { JsonOf, JsonSafe, JsonValueOf, JsonElementOf, JsonObjectOf, JsonRefused, JsonParameters, Flatten } from './canvas/json-of.js';
export {
  chain,
  group,
  chord,
  Chain,
  Group,
  Chord,
  type ValidChain,
  type ChainInput,
  type ChainOutput,
  type GroupInput,
  type GroupOutput,
  type Accepting,
  type ElementOutput,
} from './canvas/builders.js';
export { Run, type RunInspection, type NodeInspection, type NodeDetailInspection, type InspectNodeOptions, type InspectOptions, type DeleteOptions, type DeleteOutcome, type ResultOptions, type ReopenOutcome, type CancelOutcome, type RunProgress } from './run/run.js';
export { Worker } from './worker/worker.js';
export type { WorkerOptions } from './worker/worker-options.js';
export type { WorkerEvent, AttemptOutcomeKind } from './worker/events.js';
export { taskContext, type TaskContext } from './worker/context.js';
export { NODE_STATUSES, RUN_STATUSES, type NodeStatus, type RunStatus } from './store/records.js';
export type { DeadLetter, DeadLetters } from './store/dead-letters.js';
export type { DamagedRun, RepairReport, RepairedNode } from './store/repair.js';
export type { QueueStats } from './store/queue-stats.js';
export type { WorkerInfo, WorkerList } from './store/workers.js';
export type { QueueThroughput, ThroughputPoint, ThroughputOptions } from './store/throughput.js';
export { ATTRIBUTES as SPAN_ATTRIBUTES } from './tracing/attributes.js';
export { createDashboard, type Dashboard } from './dashboard/server.js';
export type { DashboardOptions } from './dashboard/options.js';
export * from './errors/index.js';
