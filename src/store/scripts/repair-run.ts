import { defineScript } from '../script.js';
import { badReply, integerReply, runStatusReply, stringReply, taggedReply } from '../script-reply.js';
import type { RunStatus } from '../records.js';
import { type RunScriptInput, runScriptKeys, runSubject } from './run-input.js';

export interface RepairRunInput extends RunScriptInput {
  /** The first node id to look at. */
  readonly next: number;
  readonly limit: number;
}

export type RepairRunReply =
  | {
      readonly checked: number;
      /** The next node id to look at, -1 when done. */
      readonly next: number;
      readonly repaired: readonly { readonly nodeId: string; readonly status: string }[];
    }
  | { readonly unchanged: RunStatus }
  | { readonly damaged: string };

const NAME = 'repair-run';

/** repair-run.lua: give back their message to the nodes of a range that lost it. */
export const repairRun = defineScript<RepairRunInput, RepairRunReply>({
  name: NAME,
  keys: (input) => runScriptKeys(input, true),
  args: ({ runId, next, limit, queues }) => [runId, next, limit, ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply(NAME, reply, ['checked', 'unchanged', 'damaged']);
    if (tag === 'unchanged') return { unchanged: runStatusReply(NAME, rest[0]) };
    if (tag === 'damaged') return { damaged: stringReply(NAME, rest[0], 'the damage') };
    if (rest.length % 2 !== 0) badReply(NAME, `${rest.length - 2} repaired values, not two per node`);
    const repaired: { nodeId: string; status: string }[] = [];
    for (let index = 2; index < rest.length; index += 2) {
      const nodeId = rest[index];
      if (typeof nodeId !== 'string' && typeof nodeId !== 'number') badReply(NAME, `a repaired node id is ${String(nodeId)}`);
      repaired.push({ nodeId: String(nodeId), status: stringReply(NAME, rest[index + 1], 'a repaired status') });
    }
    return { checked: integerReply(NAME, rest[0], 'nodes looked at'), next: integerReply(NAME, rest[1], 'the next node id'), repaired };
  },
  subject: runSubject,
});
