import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { beforeEach, describe, expect, it } from 'vitest';
import { chain, group, map, replace, SPAN_ATTRIBUTES as A, taskContext, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';
import { useInMemoryTracing } from '../helpers/tracing.js';
import { canvasTasks } from '../helpers/tasks.js';

const exporter = useInMemoryTracing();

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const spanId = (span: ReadableSpan): string => span.spanContext().spanId;
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const attempts = (runId: string): ReadableSpan[] =>
  spans().filter((span) => span.kind === SpanKind.CONSUMER && span.attributes[A.runId] === runId);

async function waitForSpan(predicate: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const found = spans().find(predicate);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('span never arrived');
}

describe('tracing with an OpenTelemetry SDK registered', () => {
  const makeApp = useApps();
  beforeEach(() => exporter.reset());

  it("joins the caller's trace: submit is a PRODUCER child of the active span, every attempt a CONSUMER child of submit", async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    await app.worker({ concurrency: 4 }).start();
    const caller = trace.getTracer('test');
    const { run, callerSpan } = await caller.startActiveSpan('POST /reports', async (span) => {
      const submitted = await app.submit(chain(add.s(2, 2), group(add.s(1), add.s(2)), tsum.s()), { name: 'report' });
      span.end();
      return { run: submitted, callerSpan: span };
    });
    expect(await run.result({ timeoutMs: 10_000 })).toBe(11);
    const runSpan = await waitForSpan((span) => span.name === 'run report');

    const traceId = callerSpan.spanContext().traceId;
    const submit = spans().find((span) => span.name === 'submit report');
    expect(submit?.kind).toBe(SpanKind.PRODUCER);
    expect(submit?.spanContext().traceId).toBe(traceId);
    expect(parentOf(submit!)).toBe(callerSpan.spanContext().spanId);
    expect(submit?.attributes).toMatchObject({ [A.runId]: run.id, [A.runName]: 'report', [A.runNodeCount]: 4, [A.messagingOperationType]: 'send' });

    const nodes = attempts(run.id);
    expect(nodes.map((span) => `${span.attributes[A.nodeId]}:${span.name}`).sort()).toEqual(['0:add', '1:add', '2:add', '3:tsum']);
    for (const span of nodes) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(parentOf(span)).toBe(spanId(submit!));
      expect(span.attributes).toMatchObject({
        [A.runId]: run.id,
        [A.runName]: 'report',
        [A.taskName]: span.name,
        [A.attempt]: 1,
        [A.runReopened]: 0,
        [A.messagingSystem]: 'celeriac',
        [A.messagingOperationType]: 'process',
        [A.messagingDestinationName]: 'default',
      });
      expect(typeof span.attributes[A.queuedMs]).toBe('number');
      expect(span.attributes[A.args]).toBeUndefined();
      expect(span.attributes[A.result]).toBeUndefined();
    }
    // The run span covers the whole run, from submit to finish, and shows the outcome.
    expect(runSpan.spanContext().traceId).toBe(traceId);
    expect(runSpan.attributes).toMatchObject({ [A.runStatus]: 'succeeded', [A.runId]: run.id });
    const inspection = await run.inspect();
    const startMs = runSpan.startTime[0] * 1000 + runSpan.startTime[1] / 1e6;
    const endMs = runSpan.endTime[0] * 1000 + runSpan.endTime[1] / 1e6;
    expect(Math.round(startMs)).toBe(inspection.createdAt.getTime());
    expect(Math.round(endMs)).toBe(inspection.finishedAt!.getTime());
  });

  it('a join carries span links to the attempts of its inputs, so the DAG is in the trace', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    await app.worker({ concurrency: 4 }).start();
    const run = await app.submit(chain(add.s(2, 2), group(add.s(1), add.s(2), add.s(3)), tsum.s()));
    await run.result({ timeoutMs: 10_000 });
    const byNode = new Map(attempts(run.id).map((span) => [String(span.attributes[A.nodeId]), span]));
    const join = byNode.get('4')!;
    expect(join.links.map((link) => link.context.spanId).sort()).toEqual(['1', '2', '3'].map((id) => spanId(byNode.get(id)!)).sort());
    expect(byNode.get('1')!.links.map((link) => link.context.spanId)).toEqual([spanId(byNode.get('0')!)]);
  });

  it('the nodes a map or a replacement adds are attempts of the same trace, linked to the attempt that added them', async () => {
    const app = makeApp();
    const { add, tsum } = canvasTasks(app);
    const range = app.task({ name: 'range' }, (count: number) => Array.from({ length: count }, (_, index) => index));
    const fanOut = app.task({ name: 'fanOut' }, (values: number[]) => replace(group(values.map((value) => add.si(value, 1)))));
    await app.worker({ concurrency: 4 }).start();
    // 0 range, 1 the map, 2 fanOut (replaced), 3 tsum; the map's elements 4-6; fanOut's group 7-9.
    const run = await app.submit(chain(range.s(3), map(add.s(1)), fanOut.s(), tsum.s()));
    expect(await run.result({ timeoutMs: 10_000 })).toBe(2 + 3 + 4);
    await waitForSpan((span) => span.name.startsWith('run '));
    const byNode = new Map(attempts(run.id).map((span) => [String(span.attributes[A.nodeId]), span]));
    expect([...byNode.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const traceId = byNode.get('0')!.spanContext().traceId;
    for (const span of byNode.values()) expect(span.spanContext().traceId).toBe(traceId);
    for (const id of ['4', '5', '6']) expect(byNode.get(id)!.links.map((link) => link.context.spanId)).toContain(spanId(byNode.get('1')!));
    for (const id of ['7', '8', '9']) expect(byNode.get(id)!.links.map((link) => link.context.spanId)).toContain(spanId(byNode.get('2')!));
    // What follows a map reads its value: linked to the map node's attempt.
    expect(byNode.get('2')!.links.map((link) => link.context.spanId)).toEqual([spanId(byNode.get('1')!)]);
  });

  it('each retry is its own span; failed attempts have ERROR status and an exception event; a resume adds marked spans to the same trace', async () => {
    const app = makeApp();
    let broken = true;
    const flaky = app.task({ name: 'flaky', retry: { attempts: 2 } }, async () => {
      if (broken) throw new TypeError(`attempt ${taskContext().attempt} failed`);
      return 'ok';
    });
    await app.worker().start();
    const run = await app.submit(flaky.si(), { name: 'flaky run' });
    await expect(run.result({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(WorkflowFailedError);
    const failedRun = await waitForSpan((span) => span.name === 'run flaky run');
    expect(failedRun.status.code).toBe(SpanStatusCode.ERROR);
    expect(failedRun.attributes).toMatchObject({ [A.runStatus]: 'failed', [A.runFailedNode]: '0' });

    const failures = attempts(run.id);
    expect(failures.map((span) => span.attributes[A.attempt])).toEqual([1, 2]);
    for (const span of failures) {
      expect(span.status).toMatchObject({ code: SpanStatusCode.ERROR });
      const exception = span.events.find((event) => event.name === 'exception');
      expect(exception?.attributes?.['exception.type']).toBe('TypeError');
    }
    expect(failures[0]?.attributes[A.retryDelayMs]).toBe(0);
    expect(failures[1]?.attributes[A.retryDelayMs]).toBeUndefined();

    broken = false;
    await run.resume();
    expect(await run.result({ timeoutMs: 10_000 })).toBe('ok');
    await waitForSpan((span) => span.name === 'run flaky run' && span.attributes[A.runStatus] === 'succeeded');
    const all = attempts(run.id);
    const resumed = all.at(-1)!;
    expect(resumed.attributes).toMatchObject({ [A.attempt]: 3, [A.runReopened]: 1 });
    expect(resumed.spanContext().traceId).toBe(failures[0]!.spanContext().traceId);
    expect(resumed.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('handlers run inside their attempt span, so their own spans nest under it', async () => {
    const app = makeApp();
    const inner = app.task({ name: 'inner' }, async () => {
      trace.getTracer('user').startActiveSpan('SELECT invoices', (span) => span.end());
      return 1;
    });
    await app.worker().start();
    const run = await app.submit(inner.si());
    await run.result({ timeoutMs: 10_000 });
    const attempt = attempts(run.id)[0]!;
    const query = spans().find((span) => span.name === 'SELECT invoices');
    expect(parentOf(query!)).toBe(spanId(attempt));
  });

  it('makes no span at all, and stores no trace context, when tracing is disabled', async () => {
    const app = makeApp({ tracing: { enabled: false } });
    const { add } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(add.si(1, 1), { name: 'untraced' });
    await run.result({ timeoutMs: 10_000 });
    expect(spans().filter((span) => span.attributes[A.runId] === run.id || span.name.includes('untraced'))).toEqual([]);
    expect(await app.redis.hget(`{${app.config.prefix}}:run:${run.id}`, 'trace')).toBeNull();
  });

  it('records argument and result values only when asked to', async () => {
    const app = makeApp({ tracing: { recordArgs: true, recordResults: true } });
    const { add } = canvasTasks(app);
    await app.worker().start();
    const run = await app.submit(add.si(20, 22));
    await run.result({ timeoutMs: 10_000 });
    expect(attempts(run.id)[0]?.attributes).toMatchObject({ [A.args]: '[20,22]', [A.result]: '42' });
  });
});
