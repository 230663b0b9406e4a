/** A queue message names one node: `<run id>|<node id>|<priority>`. */
export interface NodeMessage {
  readonly runId: string;
  readonly nodeId: string;
  readonly priority: number;
  /** The message exactly as stored (the member of the ready, delayed and leases sets). */
  readonly raw: string;
}

export function parseMessage(raw: string): NodeMessage | null {
  const parts = raw.split('|');
  if (parts.length !== 3) return null;
  const [runId, nodeId, priority] = parts as [string, string, string];
  const number = Number(priority);
  if (!runId || !nodeId || !Number.isInteger(number)) return null;
  return { runId, nodeId, priority: number, raw };
}
