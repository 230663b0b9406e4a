import { describe, expect, it } from 'vitest';
import { ScriptReplyError } from '../../src/errors/index.js';
import { KeySpace } from '../../src/store/keys.js';
import { claim } from '../../src/store/scripts/claim.js';
import { claimRun } from '../../src/store/scripts/claim-run.js';
import { type CompleteNodesInput, completeNodes } from '../../src/store/scripts/complete-nodes.js';
import { scripts } from '../helpers/all-scripts.js';
import { failNode } from '../../src/store/scripts/fail-node.js';
import { startNodes } from '../../src/store/scripts/start-nodes.js';
import { submitRun } from '../../src/store/scripts/submit-run.js';
import { readdirSync } from 'node:fs';

const shard = new KeySpace('reply-test').shards[0]!;
const completion = { node: { message: { nodeId: '1', raw: 'r|1|1|0' }, attempt: 1, queue: 'default' }, resultJson: '1', span: '' };
const completeInput: CompleteNodesInput = { shard, runs: [{ runId: 'r', completions: [completion] }], queueNames: ['default'], fill: null, upkeepLimit: 100, workerId: '' };

/** The ScriptReplyError a decoder throws for this reply. */
function refusal(decode: () => unknown): ScriptReplyError {
  try {
    decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ScriptReplyError);
    return error as ScriptReplyError;
  }
  throw new Error('the reply was accepted');
}

describe('script reply decoders', () => {
  it('every .lua script has a declaration in the catalog', () => {
    const files = readdirSync(new URL('../../src/store/scripts/', import.meta.url)).filter((file) => file.endsWith('.lua'));
    expect(Object.values(scripts).map((script) => `${script.name}.lua`).sort()).toEqual(files.sort());
  });

  it('complete-nodes: a reply of the declared shape is decoded', () => {
    const reply = [['succeeded\n[1]', ['completed']], ['r|2|1|0', 'default', '[1]'], ['other', 'o|0|1|0']];
    expect(completeNodes.declaration.decode(reply, completeInput)).toEqual({
      runs: [{ finish: 'succeeded\n[1]', outcomes: ['completed'] }],
      started: [{ message: { runId: 'r', nodeId: '2', delivery: 1, priority: 0, raw: 'r|2|1|0' }, queue: 'default', json: '[1]' }],
      claimed: [{ queue: 'other', message: 'o|0|1|0' }],
    });
  });

  it('complete-nodes: each way a reply can break its declaration is named', () => {
    const decode = (reply: unknown) => () => completeNodes.declaration.decode(reply, completeInput);
    expect(refusal(decode('OK'))).toMatchObject({ script: 'complete-nodes', code: 'SCRIPT_REPLY_INVALID' });
    expect(refusal(decode([[0, ['finished']], [], []])).problem).toMatch(/an outcome is "finished"/);
    expect(refusal(decode([[0, []], [], []])).problem).toMatch(/0 outcomes for 1 completions/);
    expect(refusal(decode([[0, ['stale'], 0, []], [], []])).problem).toMatch(/4 run values for 1 runs/);
    expect(refusal(decode([[0, ['stale']], ['m', 'q'], []])).problem).toMatch(/not three per node/);
    expect(refusal(decode([[0, ['stale']], [], ['q']])).problem).toMatch(/not two per message/);
    expect(refusal(decode([[0, ['stale']], [1, 2, 3], []])).problem).toMatch(/started\[0\] is 1, not a string/);
    expect(refusal(decode([[0, ['stale']], ['not a message', 'default', '[]'], []])).problem).toMatch(/a started message is malformed/);
    expect(refusal(decode([[1, ['stale']], [], []])).problem).toMatch(/finish is neither a message nor 0/);
    expect(refusal(decode([[0, ['stale']], [], [], []])).problem).toMatch(/4 values, not 3/);
    expect(completeNodes.declaration.decode([[0, ['stale']], [], []], completeInput).runs[0]?.finish).toBeNull();
  });

  it('submit-run: the creation time, rootsLeft, and the roots it started for an eager worker', () => {
    const input = {} as Parameters<typeof submitRun.declaration.decode>[1];
    expect(submitRun.declaration.decode([5, 0], input)).toEqual({ createdAt: 5, rootsLeft: false, started: [] });
    expect(submitRun.declaration.decode([5, 1, 'r|0|1|0', 'default', '[1]'], input)).toEqual({
      createdAt: 5,
      rootsLeft: true,
      started: [{ message: { runId: 'r', nodeId: '0', delivery: 1, priority: 0, raw: 'r|0|1|0' }, queue: 'default', json: '[1]' }],
    });
    expect(refusal(() => submitRun.declaration.decode([5, 0, 'r|0|1|0'], input)).problem).toMatch(/not 2 and three per started root/);
    expect(refusal(() => submitRun.declaration.decode([5, 0, 'bad', 'default', '[1]'], input)).problem).toMatch(/a started message is malformed/);
  });

  it('claim-run: the wake time, the other runs\' messages by queue, and the named run\'s started nodes', () => {
    const input = { shard, runId: 'r', queues: ['a', 'b'], wanted: 3, leaseMs: 1000, upkeepLimit: 100, maxLeaseExpiries: 3, leaseExpiredErrorJson: '', workerId: '' };
    expect(claimRun.declaration.decode([-1, [2, 'o|0|1|0'], ['r|1|1|0', 'a', '[1]']], input)).toEqual({
      wakeInMs: -1,
      claimed: [{ queue: 'b', message: 'o|0|1|0' }],
      started: [{ message: { runId: 'r', nodeId: '1', delivery: 1, priority: 0, raw: 'r|1|1|0' }, queue: 'a', json: '[1]' }],
    });
    expect(refusal(() => claimRun.declaration.decode([-1, [3, 'o|0|1|0'], []], input)).problem).toMatch(/queue index 3 of 2/);
    expect(refusal(() => claimRun.declaration.decode([-1, [], ['r|1|1|0', 'a']], input)).problem).toMatch(/not three per node/);
    expect(refusal(() => claimRun.declaration.decode([-1, [], [], 0], input)).problem).toMatch(/4 values, not 3/);
  });

  it('start-nodes, claim and fail-node check theirs', () => {
    const message = { runId: 'r', nodeId: '1', delivery: 1, priority: 0, raw: 'r|1|1|0' };
    const input = { shard, runId: 'r', queue: 'default', messages: [message], maxLeaseExpiries: 3, leaseExpiredErrorJson: '', workerId: '' };
    expect(startNodes.declaration.decode([['skipped', 'cancelled']], input)).toEqual([{ skipped: 'cancelled' }]);
    expect(refusal(() => startNodes.declaration.decode([], input)).problem).toMatch(/0 replies for 1 messages/);
    expect(refusal(() => startNodes.declaration.decode([['started', 'x']], input)).problem).toMatch(/neither a node nor a skip/);
    const claimInput = { shard, queues: ['a'], wanted: 1, leaseMs: 1000, upkeepLimit: 100 };
    expect(claim.declaration.decode([-1, 1, 'm'], claimInput)).toEqual({ wakeInMs: -1, claimed: [{ queue: 'a', message: 'm' }] });
    expect(refusal(() => claim.declaration.decode([-1, 2, 'm'], claimInput)).problem).toMatch(/queue index 2 of 1/);
    expect(refusal(() => failNode.declaration.decode('gone', {} as never)).problem).toMatch(/not one of stale, retrying/);
  });
});
