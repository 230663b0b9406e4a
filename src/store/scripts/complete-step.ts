import { defineScript } from '../script.js';
import { type CompleteNodesInput, type CompleteNodesReply, completionCall } from './complete-nodes.js';

const NAME = 'complete-step';

/**
 * complete-step.lua: a chain's hop, with complete-nodes' keys, arguments and reply; null when the
 * call is not a plain hop (nothing was written), for the caller to send it to complete-nodes.
 */
export const completeStep = defineScript<CompleteNodesInput, CompleteNodesReply | null>({
  name: NAME,
  keys: completionCall.keys,
  args: completionCall.args,
  decode: (reply, input) => (reply === null ? null : completionCall.decode(NAME, reply, input)),
});
