import { defineScript } from '../script.js';
import { integerReply, taggedReply } from '../script-reply.js';
import type { SweepInput } from './cancel-nodes.js';
import { runScriptKeys, runSubject } from './run-input.js';

/** delete-nodes.lua: withdraw the queued messages of one range of a finished run's nodes. */
export const deleteNodes = defineScript<SweepInput, { readonly done: boolean; readonly withdrawn: number }>({
  name: 'delete-nodes',
  keys: (input) => runScriptKeys(input, false),
  args: ({ runId, limit, queues }) => [runId, limit, ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply('delete-nodes', reply, ['more', 'done']);
    return { done: tag === 'done', withdrawn: integerReply('delete-nodes', rest[0], 'messages withdrawn') };
  },
  subject: runSubject,
});
