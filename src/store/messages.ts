/**
 * A queue message names one delivery of a node: `<run id>|<node id>|<delivery>|<priority>`
 * (built by messageFor in scripts/includes/common.lua).
 */
export interface NodeMessage {
  readonly runId: string;
  readonly nodeId: string;
  /** Which delivery of the node this is; start-node drops messages of earlier deliveries. */
  readonly delivery: number;
  readonly priority: number;
  /** The message exactly as stored (the member of the ready, delayed and leases sets). */
  readonly raw: string;
}

/**
 * A member of a ready set: a message, or a range member (`<run id>|<first>~<last>~<step>|1|<priority>`,
 * scripts/includes/ranges.lua) read as the message of its first node, which is next to go.
 */
export function parseReadyMember(raw: string): NodeMessage | null {
  const range = /^([^|]+)\|(\d+)~\d+~\d+\|1\|(\d+)$/.exec(raw);
  if (range) return { runId: range[1]!, nodeId: range[2]!, delivery: 1, priority: Number(range[3]), raw };
  return parseMessage(raw);
}

export function parseMessage(raw: string): NodeMessage | null {
  const parts = raw.split('|');
  if (parts.length !== 4) return null;
  const [runId, nodeId, delivery, priority] = parts as [string, string, string, string];
  const deliveryNumber = Number(delivery);
  const priorityNumber = Number(priority);
  if (!runId || !nodeId || !Number.isInteger(deliveryNumber) || !Number.isInteger(priorityNumber)) return null;
  return { runId, nodeId, delivery: deliveryNumber, priority: priorityNumber, raw };
}
