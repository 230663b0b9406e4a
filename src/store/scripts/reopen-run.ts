import { defineScript } from '../script.js';
import { runStatusReply, taggedReply } from '../script-reply.js';
import type { RunStatus } from '../records.js';
import { type RunScriptInput, runScriptKeys } from './run-input.js';

export interface ReopenRunInput extends RunScriptInput {
  /** The node to rerun from; null: resume. */
  readonly from: string | null;
}

/** reopen-run.lua: begin a resume or a rerun ('busy': finish the earlier sweep, then call again). */
export const reopenRun = defineScript<ReopenRunInput, { readonly reopening: true } | { readonly busy: true } | { readonly unchanged: RunStatus }>({
  name: 'reopen-run',
  keys: (input) => runScriptKeys(input, true),
  args: ({ shard, runId, from, queues }) => [runId, from === null ? 'resume' : 'rerun', from ?? '', shard.runChannel(runId), ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply('reopen-run', reply, ['reopening', 'busy', 'unchanged']);
    if (tag === 'unchanged') return { unchanged: runStatusReply('reopen-run', rest[0]) };
    return tag === 'busy' ? { busy: true } : { reopening: true };
  },
  subject: ({ runId, from }) => (from === null ? { runId } : { runId, nodeId: from }),
});
