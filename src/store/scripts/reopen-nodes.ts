import { defineScript } from '../script.js';
import { integerReply, runStatusReply, taggedReply } from '../script-reply.js';
import type { RunStatus } from '../records.js';
import type { SweepInput } from './cancel-nodes.js';
import { runScriptKeys, runSubject } from './run-input.js';

/**
 * One reopen-nodes call: nodes reset and enqueued by the sweep so far (its totals, whoever took
 * its steps; after `idle`, the last sweep's); the run's status once done.
 */
export type ReopenStep =
  | { readonly done: false; readonly reset: number; readonly enqueued: number }
  | { readonly done: true; readonly reset: number; readonly enqueued: number; readonly status: RunStatus }
  | { readonly idle: RunStatus; readonly reset: number; readonly enqueued: number };

const NAME = 'reopen-nodes';

/** reopen-nodes.lua: one step of a reopen sweep. */
export const reopenNodes = defineScript<SweepInput, ReopenStep>({
  name: NAME,
  keys: (input) => runScriptKeys(input, true),
  args: ({ shard, runId, limit, queues }) => [runId, limit, shard.runChannel(runId), ...queues],
  decode: (reply) => {
    const [tag, rest] = taggedReply(NAME, reply, ['more', 'done', 'idle']);
    const counts = tag === 'idle' ? rest.slice(1) : rest;
    const reset = integerReply(NAME, counts[0], 'nodes reset');
    const enqueued = integerReply(NAME, counts[1], 'nodes enqueued');
    if (tag === 'idle') return { idle: runStatusReply(NAME, rest[0]), reset, enqueued };
    if (tag === 'done') return { done: true, reset, enqueued, status: runStatusReply(NAME, rest[2]) };
    return { done: false, reset, enqueued };
  },
  subject: runSubject,
});
