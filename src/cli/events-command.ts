import type { App } from '../app.js';
import type { CeleriacEvent } from '../store/events.js';
import { EXIT } from './exit-codes.js';

export interface EventsCommandOptions {
  readonly run?: string;
  readonly after?: string;
  readonly json?: boolean;
}

const RUN_ENDS: ReadonlySet<CeleriacEvent['type']> = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);

/** One event as a line: cursor, time, type, run, then what the type adds. */
export function formatEvent(event: CeleriacEvent): string {
  const head = `${event.id}  ${event.at.toISOString()}  ${event.type.padEnd(14)}  run ${event.runId}`;
  switch (event.type) {
    case 'run.submitted':
      return `${head}  "${event.name}", ${event.nodeCount} node${event.nodeCount === 1 ? '' : 's'}`;
    case 'run.failed':
      return `${head}  (node ${event.failedNode})`;
    case 'run.reopened':
      return `${head}  ${event.mode}${event.from !== undefined ? ` from node ${event.from}` : ''}`;
    case 'run.damaged':
      return `${head}  ${event.reason}`;
    case 'run.succeeded':
    case 'run.cancelled':
      return head;
    case 'node.cancelled':
      return `${head}  node ${event.nodeId}${event.attempt !== undefined ? ` #${event.attempt}` : ''}`;
    case 'node.skipped':
      return `${head}  node ${event.nodeId}`;
    case 'node.queued':
      return `${head}  node ${event.nodeId} ${event.task}${event.dueAt !== undefined ? `  due ${event.dueAt.toISOString()}` : ''}`;
    case 'node.started':
    case 'node.succeeded':
      return `${head}  node ${event.nodeId} ${event.task}#${event.attempt}`;
    case 'node.failed':
      return `${head}  node ${event.nodeId} ${event.task}#${event.attempt}  ${event.error.name}: ${event.error.message}`;
    case 'node.retrying':
      return `${head}  node ${event.nodeId} ${event.task}#${event.attempt}  in ${event.delayMs} ms after ${event.error.name}: ${event.error.message}`;
    case 'node.progress':
      return `${head}  node ${event.nodeId} ${event.task}#${event.attempt}  ${JSON.stringify(event.progress)}`;
    case 'node.expanded':
      return `${head}  node ${event.nodeId} ${event.task}#${event.attempt}  ${event.items} item${event.items === 1 ? '' : 's'}, ${event.nodes} nodes from ${event.first}`;
    default: {
      const never: never = event;
      return String(never);
    }
  }
}

/**
 * `celeriac events`: the app's event stream, live, one line (or one JSON object) per event, until
 * Ctrl-C. With --run it ends when that run succeeds, fails or is cancelled.
 */
export async function followEvents(app: App, options: EventsCommandOptions, print: (text: string) => void): Promise<number> {
  const stop = new AbortController();
  const interrupt = (): void => stop.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    const events = app.events({
      signal: stop.signal,
      ...(options.run !== undefined ? { runId: options.run } : {}),
      ...(options.after !== undefined ? { after: options.after } : {}),
    });
    for await (const event of events) {
      print(options.json ? JSON.stringify(event) : formatEvent(event));
      if (options.run !== undefined && RUN_ENDS.has(event.type)) break;
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
