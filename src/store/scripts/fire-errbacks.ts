import { defineScript } from '../script.js';
import { integerReply } from '../script-reply.js';
import { type RunScriptInput, runScriptKeys, runSubject } from './run-input.js';

/** fire-errbacks.lua: release the callbacks of the run's fired error nodes; how many nodes it enqueued. */
export const fireErrbacks = defineScript<RunScriptInput, number>({
  name: 'fire-errbacks',
  keys: (input) => runScriptKeys(input, true),
  args: ({ runId, queues }) => [runId, ...queues],
  decode: (reply) => integerReply('fire-errbacks', reply, 'nodes enqueued'),
  subject: runSubject,
});
