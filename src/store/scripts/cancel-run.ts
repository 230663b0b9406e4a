import { defineScript } from '../script.js';
import { runStatusReply, taggedReply } from '../script-reply.js';
import type { RunStatus } from '../records.js';
import { type RunScriptInput, runScriptKeys, runSubject } from './run-input.js';

export interface CancelRunInput extends RunScriptInput {
  /** Where running attempts of the app hear of cancellations. */
  readonly cancellationsChannel: string;
}

/** cancel-run.lua: begin a cancel sweep (then cancel-nodes), or the status the run had already finished with. */
export const cancelRun = defineScript<CancelRunInput, { readonly cancelling: true } | { readonly unchanged: RunStatus }>({
  name: 'cancel-run',
  keys: (input) => runScriptKeys(input, false),
  args: ({ shard, runId, cancellationsChannel, queues }) => [runId, shard.runChannel(runId), cancellationsChannel, ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply('cancel-run', reply, ['cancelling', 'unchanged']);
    return tag === 'cancelling' ? { cancelling: true } : { unchanged: runStatusReply('cancel-run', rest[0]) };
  },
  subject: runSubject,
});
