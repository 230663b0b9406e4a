import { defineScript } from '../script.js';
import { integerReply, runStatusReply, taggedReply } from '../script-reply.js';
import type { RunStatus } from '../records.js';
import { type RunScriptInput, runScriptKeys, runSubject } from './run-input.js';

export interface SweepInput extends RunScriptInput {
  /** Node ids per call. */
  readonly limit: number;
}

/**
 * One cancel-nodes call: nodes cancelled and attempts found running by the sweep so far (its
 * totals, whoever took its steps); after `idle`, the last sweep's totals.
 */
export type CancelStep =
  | { readonly done: boolean; readonly cancelled: number; readonly running: number }
  | { readonly idle: RunStatus; readonly cancelled: number; readonly running: number };

const NAME = 'cancel-nodes';

/** cancel-nodes.lua: one step of a cancel sweep. */
export const cancelNodes = defineScript<SweepInput, CancelStep>({
  name: NAME,
  keys: (input) => runScriptKeys(input, false),
  args: ({ runId, limit, queues }) => [runId, limit, ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply(NAME, reply, ['more', 'done', 'idle']);
    const counts = tag === 'idle' ? rest.slice(1) : rest;
    const cancelled = integerReply(NAME, counts[0], 'nodes cancelled');
    const running = integerReply(NAME, counts[1], 'attempts running');
    if (tag === 'idle') return { idle: runStatusReply(NAME, rest[0]), cancelled, running };
    return { done: tag === 'done', cancelled, running };
  },
  subject: runSubject,
});
