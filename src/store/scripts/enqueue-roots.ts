import { defineScript } from '../script.js';
import { integerReply, taggedReply } from '../script-reply.js';
import type { SweepInput } from './cancel-nodes.js';
import { runScriptKeys, runSubject } from './run-input.js';

/** enqueue-roots.lua: one range of the ready roots submit-run left without their message. */
export const enqueueRoots = defineScript<SweepInput, { readonly done: boolean; readonly enqueued: number }>({
  name: 'enqueue-roots',
  keys: (input) => runScriptKeys(input, true),
  args: ({ runId, limit, queues }) => [runId, limit, ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply('enqueue-roots', reply, ['more', 'done']);
    return { done: tag === 'done', enqueued: integerReply('enqueue-roots', rest[0], 'roots enqueued') };
  },
  subject: runSubject,
});
