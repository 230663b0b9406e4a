import { defineScript } from '../script.js';
import { integerReply, runStatusReply, taggedReply } from '../script-reply.js';
import type { RunStatus } from '../records.js';
import { type RunScriptInput, runScriptKeys, runSubject } from './run-input.js';

/** delete-run.lua: a finished run's keys, index entries and tombstone go. */
export const deleteRun = defineScript<RunScriptInput, { readonly status: RunStatus; readonly withdrawn: number }>({
  name: 'delete-run',
  keys: (input) => runScriptKeys(input, false),
  args: ({ runId, queues }) => [runId, ...queues],
  decode: (reply) => {
    const [, rest] = taggedReply('delete-run', reply, ['deleted']);
    return { status: runStatusReply('delete-run', rest[0]), withdrawn: integerReply('delete-run', rest[1], 'messages withdrawn') };
  },
  subject: runSubject,
});
