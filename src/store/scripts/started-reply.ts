import { type NodeMessage, parseMessage } from '../messages.js';
import { badReply, stringsReply } from '../script-reply.js';

/** A node a script started for the worker: its message (leased to it), its queue, its start JSON (includes/start.lua). */
export interface StartedReply {
  readonly message: NodeMessage;
  readonly queue: string;
  readonly json: string;
}

/** The (message, queue name, start JSON) triples that submit-run, claim-run and complete-nodes return for the nodes they started. */
export function startedReply(script: string, reply: unknown): StartedReply[] {
  const values = stringsReply(script, reply, 'started');
  if (values.length % 3 !== 0) badReply(script, `${values.length} started values, not three per node`);
  const started: StartedReply[] = [];
  for (let index = 0; index < values.length; index += 3) {
    const message = parseMessage(values[index]!) ?? badReply(script, `a started message is malformed: ${values[index]}`);
    started.push({ message, queue: values[index + 1]!, json: values[index + 2]! });
  }
  return started;
}
