import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, type AnyCanvas, chain, createApp, group } from '../../src/index.js';
import { RunDamagedError } from '../../src/errors/index.js';
import { decodeEntry } from '../../src/store/events.js';
import { KeySpace } from '../../src/store/keys.js';
import { parseMessage } from '../../src/store/messages.js';
import { decodeNodeState } from '../../src/store/node-state.js';
import { SpecWriter } from '../../src/store/spec-format.js';
import { completeNodes } from '../../src/store/scripts/complete-nodes.js';
import { completeStep } from '../../src/store/scripts/complete-step.js';
import { type BatchCompleteOutcome, type FillSlots, type StartedNode } from '../../src/store/node-store.js';
import { SteppingNodeStore } from '../helpers/node-steps.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { canvasTasks } from '../helpers/tasks.js';

/** What a worker offers with one completion: one slot, take-next then claims (Worker). */
const WORKER_FILL: FillSlots = {
  count: 1,
  queues: ['default'],
  leaseMs: 30_000,
  maxLeaseExpiries: 5,
  leaseExpiredErrorJson: '{}',
  claimFromQueues: true,
};
/** The same offer with a second slot and no claims: never sent to complete-step (NodeStore.completeMany), same outcome. */
const GENERAL_FILL: FillSlots = { ...WORKER_FILL, count: 2, claimFromQueues: false };

/** Timestamps (ms, 13 digits; 15 zero-padded in index members) and run ids out of stored text, so two runs' keys can be compared. */
const normalize = (text: string, runId: string): string => text.replaceAll(runId, '<run>').replace(/\d{13,15}/g, '<time>');

/**
 * complete-step (a chain's hop, which the worker sends first when a call looks like one) against
 * complete-nodes. On a private redis-server whose slow log records every command, so that the
 * scripts a call sent are known by their SHA.
 */
describe('complete-step: a chain hop', () => {
  let server: RedisServer;
  let admin: Redis;
  let app: App;
  let keys: KeySpace;
  let nodes: SteppingNodeStore;

  beforeEach(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    await admin.config('SET', 'slowlog-log-slower-than', '0');
    app = createApp({ redis: server.url, prefix: `step-${randomUUID()}` });
    keys = new KeySpace(app.config.prefix);
    nodes = new SteppingNodeStore(app.redis, keys);
  });
  afterEach(async () => {
    await app.close();
    await admin.quit();
    await server.stop();
  });

  async function startRoot(): Promise<StartedNode> {
    const { claimed } = await nodes.claim(0, ['default'], 1, 30_000);
    const message = parseMessage(claimed[0]!.message)!;
    const outcome = await nodes.start(message, claimed[0]!.queue, 5, '{}');
    if (!('started' in outcome)) throw new Error(`skipped: ${outcome.skipped}`);
    return outcome.started;
  }

  /** One completion call, and the scripts it sent, in order (a script loaded on first use is named once). */
  async function complete(node: StartedNode, resultJson: string, fill: FillSlots | null, span = ''): Promise<[BatchCompleteOutcome, string[]]> {
    await admin.slowlog('RESET');
    const outcome = await nodes.completeMany(node.message.runId, [{ node, resultJson, span }], fill);
    const names = new Map([[completeStep.sha, 'complete-step'], [completeNodes.sha, 'complete-nodes']]);
    const entries = (await admin.slowlog('GET', 1000)) as [number, number, number, string[]][];
    const sent = entries
      .reverse()
      .filter(([, , , args]) => args[0]?.toLowerCase() === 'evalsha')
      .map(([, , , args]) => names.get(args[1]!) ?? `unexpected ${args[1]}`);
    return [outcome, sent.filter((name, index) => sent[index - 1] !== name)];
  }

  /** A chain's first step, taken next when its root completes (a hop too: complete-step). */
  async function startStep(): Promise<StartedNode> {
    const [outcome, sent] = await complete(await startRoot(), '0', WORKER_FILL);
    expect(sent).toEqual(['complete-step']);
    return outcome.started[0]!;
  }
  const stateOf = async (runId: string, nodeId: string) => decodeNodeState((await admin.hget(keys.run(runId).nodes, nodeId))!);

  /** A run's node states, results, meta, the leases of its messages and its events, comparable across runs. */
  async function snapshot(runId: string): Promise<string> {
    const run = keys.run(runId);
    const leases = await admin.zrange(keys.shards[0]!.queue('default').leases, 0, -1);
    return normalize(
      JSON.stringify({
        nodes: await admin.hgetall(run.nodes),
        results: await admin.hgetall(run.results),
        meta: await admin.hgetall(run.run),
        leases: leases.filter((member) => member.startsWith(runId)),
        ready: (await admin.zrange(keys.shards[0]!.queue('default').ready, 0, -1)).filter((member) => member.startsWith(runId)),
        // The events each path wrote, in order, without their ids and times.
        events: ((await admin.xrange(keys.shards[0]!.events, '-', '+')) as [string, string[]][])
          .flatMap(([id, fields]) => decodeEntry(id, fields))
          .filter((event) => event.runId === runId)
          .map(({ id: _id, at: _at, ...event }) => event),
      }),
      runId,
    );
  }

  it('makes a hop leave the same states, results, meta, leases, events and reply as complete-nodes', async () => {
    const { identity } = canvasTasks(app);
    const pair = app.task({ name: 'pair' }, async (value: unknown, bound: unknown) => [value, bound]);
    // The last steps have a bound argument (their spec goes into the reply as is).
    const canvas = (): AnyCanvas => chain(identity.si(1), identity.s(), pair.s(10), pair.s(20));
    const fast = await app.submit(canvas());
    const general = await app.submit(canvas());
    let fastNode = await startRoot();
    let generalNode = await startRoot();
    expect([fastNode.message.runId, generalNode.message.runId]).toEqual([fast.id, general.id]);

    // Three hops each, the root's included: its spec marks its one dependant a hop (SpecFields.hop).
    for (const hop of [0, 1, 2]) {
      const [fastOutcome, fastSent] = await complete(fastNode, String(hop + 1), WORKER_FILL);
      const [generalOutcome, generalSent] = await complete(generalNode, String(hop + 1), GENERAL_FILL);
      expect(fastSent).toEqual(['complete-step']);
      expect(generalSent).toEqual(['complete-nodes']);
      expect(await stateOf(fast.id, String(hop))).toEqual({ status: 'succeeded', delivery: 1, attempts: 1, ...(hop === 0 ? {} : { waiting: 0, queuedAt: expect.any(Number) }), startedAt: expect.any(Number), finishedAt: expect.any(Number) });
      expect(await stateOf(fast.id, String(hop + 1))).toEqual({ status: 'running', waiting: 0, delivery: 1, attempts: 1, queuedAt: expect.any(Number), startedAt: expect.any(Number) });
      expect(fastOutcome.outcomes).toEqual(['completed']);
      expect(normalize(JSON.stringify(fastOutcome), fast.id)).toBe(normalize(JSON.stringify(generalOutcome), general.id));
      expect(await snapshot(fast.id)).toBe(await snapshot(general.id));
      const next = fastOutcome.started[0]!;
      expect(next).toMatchObject({ attempt: 1, leaseExpiries: 0, attemptOffset: 0, missingInputs: [] });
      expect(next.message).toMatchObject({ runId: fast.id, nodeId: String(hop + 1), delivery: 1 });
      expect(next.context.queuedAt).toBe(next.context.startedAt);
      fastNode = next;
      generalNode = generalOutcome.started[0]!;
    }
    // The last step has no dependant: complete-nodes finishes the run, for both.
    const [last, lastSent] = await complete(fastNode, '4', WORKER_FILL);
    expect(lastSent).toEqual(['complete-nodes']);
    expect(last.finish).toBe('succeeded\n[4]');
    await complete(generalNode, '4', WORKER_FILL);
    expect(await fast.result()).toBe(4);
    expect(await snapshot(fast.id)).toBe(await snapshot(general.id));
    const inspection = await fast.inspect();
    expect(inspection.nodes.map((node) => [node.status, node.attempts])).toEqual([['succeeded', 1], ['succeeded', 1], ['succeeded', 1], ['succeeded', 1]]);
  });

  it('answers "not a hop" for every other call, which complete-nodes then takes as it always did', async () => {
    const { identity } = canvasTasks(app);

    // A next step with a priority (its message carries it).
    const urgent = await app.submit(chain(identity.si(1), identity.s(), identity.s().set({ priority: 5 })));
    let [outcome, sent] = await complete(await startStep(), '1', WORKER_FILL);
    expect(sent).toEqual(['complete-nodes']);
    expect(outcome.started[0]!.message.raw).toBe(`${urgent.id}|2|1|5`);
    await urgent.cancel();

    // A next step on another queue: enqueued there, not taken by a worker that does not consume it.
    const elsewhere = await app.submit(chain(identity.si(1), identity.s(), identity.s().set({ queue: 'other' })));
    [outcome, sent] = await complete(await startStep(), '1', WORKER_FILL);
    expect(sent).toEqual(['complete-nodes']);
    expect(outcome.started).toEqual([]);
    expect(await admin.zrange(keys.shards[0]!.queue('other').ready, 0, -1)).toEqual([`${elsewhere.id}|2|1|0`]);
    await elsewhere.cancel();

    // No slot to fill (a closing worker): the next step is enqueued.
    const closing = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    [outcome, sent] = await complete(await startStep(), '1', null);
    expect(sent).toEqual(['complete-nodes']);
    expect(outcome.started).toEqual([]);
    expect(await admin.zrange(keys.shards[0]!.queue('default').ready, 0, -1)).toEqual([`${closing.id}|2|1|0`]);
    expect(await stateOf(closing.id, '2')).toMatchObject({ status: 'queued', delivery: 1 });
    await closing.cancel();

    // A traced attempt (its span context is recorded on the node).
    const traced = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const span = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    [outcome, sent] = await complete(await startStep(), '1', WORKER_FILL, span);
    expect(sent).toEqual(['complete-nodes']);
    expect(await stateOf(traced.id, '1')).toMatchObject({ status: 'succeeded' });
    // The span is Lua's alone (span links): read from the state's text.
    expect((await admin.hget(keys.run(traced.id).nodes, '1'))!.split('|')[11]).toBe(span);
    await traced.cancel();

    // A run traced at submit (its trace context stored), completed by a worker that traces nothing:
    // the next step still gets the run's trace context.
    const tracedAtSubmit = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const trace = '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"}';
    const tracedStep = await startStep();
    await admin.hset(keys.run(tracedAtSubmit.id).run, 'trace', trace);
    [outcome, sent] = await complete(tracedStep, '1', WORKER_FILL);
    expect(sent).toEqual(['complete-step', 'complete-nodes']);
    expect(outcome.started[0]!.context.trace).toBe(trace);
    await tracedAtSubmit.cancel();

    // A cancelled run: the result is discarded and nothing starts.
    const cancelled = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const cancelledStep = await startStep();
    await cancelled.cancel();
    [outcome, sent] = await complete(cancelledStep, '1', WORKER_FILL);
    expect(sent).toEqual(['complete-step', 'complete-nodes']);
    expect(outcome.outcomes).toEqual(['discarded']);
    expect(outcome.started).toEqual([]);

    // A failed run (another branch failed for good; the chain's next step is still pending): the
    // result is kept and the next step cancelled, not started.
    const failed = await app.submit(group(chain(identity.si(1), identity.s(), identity.s()), identity.si(2)));
    const roots = [await startRoot(), await startRoot()];
    const chainRoot = roots.find((node) => node.spec.next)!;
    const other = roots.find((node) => !node.spec.next)!;
    const failedStep = (await complete(chainRoot, '1', WORKER_FILL))[0].started[0]!;
    expect(await nodes.fail(other, '{"name":"Error","message":"boom"}', null)).toBe('run-failed');
    [outcome, sent] = await complete(failedStep, '2', WORKER_FILL);
    expect(sent).toEqual(['complete-step', 'complete-nodes']);
    expect(outcome.started).toEqual([]);
    expect(await admin.hget(keys.run(failed.id).results, failedStep.message.nodeId)).toBe('2');
    expect(await stateOf(failed.id, failedStep.spec.next![0]!)).toMatchObject({ status: 'cancelled' });

    // A next step whose input is not the node just completed (not a spec submit writes; a guard).
    const rewired = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const rewiredSpec = new SpecWriter().encode({
      task: 'identity', argsJson: '[]', input: { node: '7' }, spread: false, branches: null, queue: 'default', priority: 0, countdownMs: 0, etaMs: 0, after: [], next: [], nextQueues: null, hop: false,
    });
    await admin.hset(keys.run(rewired.id).specs, '2', rewiredSpec);
    [outcome, sent] = await complete(await startStep(), '1', WORKER_FILL);
    expect(sent).toEqual(['complete-step', 'complete-nodes']);
    expect(outcome.started[0]!.missingInputs).toEqual(['7']);
    await rewired.cancel();

    // A next step delivered before (its state as a resume leaves it, never started): still a hop,
    // and its next delivery is the third.
    const resumed = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const resumedStep = await startStep();
    // pending, waiting 1, delivery 2 (the positional text of includes/node-state.lua).
    await admin.hset(keys.run(resumed.id).nodes, '2', 'p|1||||2|||||||');
    [outcome, sent] = await complete(resumedStep, '1', WORKER_FILL);
    expect(sent).toEqual(['complete-step']);
    expect(outcome.started[0]!.message.delivery).toBe(3);
    await resumed.cancel();

    // A worker that does not consume the next step's queue: the step is enqueued for others.
    const otherWorker = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const otherStep = await startStep();
    [outcome, sent] = await complete(otherStep, '1', { ...WORKER_FILL, queues: ['other'] });
    expect(sent).toEqual(['complete-nodes']);
    expect(outcome.started).toEqual([]);
    expect(await admin.zrange(keys.shards[0]!.queue('default').ready, 0, -1)).toEqual([`${otherWorker.id}|2|1|0`]);
    await otherWorker.cancel();

    // A state in another format (an older release's JSON) is damage, never read as something else.
    const older = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const olderStep = await startStep();
    await admin.hset(keys.run(older.id).nodes, '1', '{"status":"running","delivery":1,"attempts":1,"startedAt":1}');
    await expect(complete(olderStep, '1', WORKER_FILL)).rejects.toThrow(RunDamagedError);
    await expect(older.inspect()).rejects.toThrow(RunDamagedError);
    await expect(older.progress()).rejects.toThrow(RunDamagedError);
    expect(await admin.hget(keys.run(older.id).results, '1')).toBeNull();
    await admin.hset(keys.run(older.id).nodes, '1', 'r||1|||1||1|||||');
    await older.cancel();

    // A first attempt's completion after the node was retried (its second attempt running): the
    // worker guesses a hop, complete-step sees the second attempt and complete-nodes fences it off.
    const forged = await app.submit(chain(identity.si(1), identity.s(), identity.s()));
    const forgedStep = await startStep();
    await admin.hset(keys.run(forged.id).nodes, '1', 'r||2|||1||1|||||');
    [outcome, sent] = await complete(forgedStep, '"forged"', WORKER_FILL);
    expect(sent).toEqual(['complete-step', 'complete-nodes']);
    expect(outcome.outcomes).toEqual(['stale']);
    expect(await admin.hget(keys.run(forged.id).results, '1')).toBeNull();
    await forged.cancel();
  });
});
