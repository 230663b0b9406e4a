/**
 * Every span attribute celeriac sets, in one place. `celeriac.*` are ours; `messaging.*` follow
 * the OpenTelemetry messaging semantic conventions where they fit (a node attempt is the
 * processing of a message from a queue; a submit sends the run's first messages).
 */
export const ATTRIBUTES = {
  runId: 'celeriac.run.id',
  runName: 'celeriac.run.name',
  runStatus: 'celeriac.run.status',
  runNodeCount: 'celeriac.run.node_count',
  runFailedNode: 'celeriac.run.failed_node',
  /** How many times the run had been resumed or rerun when the span began (0: never). */
  runReopened: 'celeriac.run.reopened',
  nodeId: 'celeriac.node.id',
  taskName: 'celeriac.task.name',
  attempt: 'celeriac.attempt',
  /** Milliseconds the node waited between becoming ready and this attempt starting. */
  queuedMs: 'celeriac.queued_ms',
  /** The failed attempt will be retried after this many milliseconds. */
  retryDelayMs: 'celeriac.retry.delay_ms',
  /** Opt-in only (AppOptions.tracing): they may hold personal data. */
  args: 'celeriac.args',
  result: 'celeriac.result',
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
  messagingDestinationName: 'messaging.destination.name',
  messagingMessageId: 'messaging.message.id',
} as const;

export const MESSAGING_SYSTEM = 'celeriac';
