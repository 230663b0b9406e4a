import { describe, expect, it } from 'vitest';
import { chain, ConfigError, createApp, group, ReplicationTimeoutError, taskContext } from '../../src/index.js';
import { useApps, useRedis } from '../helpers/apps.js';

// replication.waitReplicas on the suite's Redis, which has no replica: every transition falls
// short, which shows what a caller sees then. The failover itself is tested on a cluster with
// replicas (test/integration/cluster/failover.test.ts).
describe('replication: { waitReplicas } (WAIT after each transition)', () => {
  const makeApp = useApps();
  const redis = useRedis();

  it('refuses a timeout longer than a quarter of the lease, and zero replicas', () => {
    expect(() => createApp({ visibilityTimeoutMs: 1000, replication: { waitReplicas: 1, timeoutMs: 500 } })).toThrow(
      /replication\.timeoutMs: must be at most a quarter of visibilityTimeoutMs/,
    );
    expect(() => createApp({ replication: { waitReplicas: 0 } })).toThrow(ConfigError);
    expect(createApp({ replication: { waitReplicas: 2 } }).config.replication).toEqual({ waitReplicas: 2, timeoutMs: 100 });
    expect(createApp().config.replication).toBeNull();
  });

  it('a submit no replica acknowledged throws REPLICATION_TIMEOUT after it was applied; the worker reports its shortfalls and finishes the run', async () => {
    const app = makeApp({ replication: { waitReplicas: 1, timeoutMs: 10 } });
    const step = app.task({ name: 'step' }, async (value: number) => value + 1);
    const errors: unknown[] = [];
    await app.worker({ concurrency: 2, onError: (error) => errors.push(error) }).start();

    const id = 'replication-wait-1';
    const refused = await app.submit(chain(step.si(1), step.s(), step.s()), { id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ReplicationTimeoutError);
    const shortfall = refused as ReplicationTimeoutError;
    expect(shortfall).toMatchObject({ code: 'REPLICATION_TIMEOUT', acknowledged: 0, wanted: 1, operation: 'submit-run' });
    expect(shortfall.message).toMatch(/was applied on the primary/);

    // The run was committed: it runs, each start and completion short of its replica too.
    expect(await app.getRun<number>(id).result({ timeoutMs: 10_000 })).toBe(4);
    const operationsOf = () => new Set(errors.map((error) => (error instanceof ReplicationTimeoutError ? error.operation : String(error))));
    // The last completion (complete-nodes: it has no dependant) finishes the run before its WAIT
    // times out, so its shortfall may reach onError just after result() resolves.
    while (!operationsOf().has('complete-nodes')) await new Promise((resolve) => setTimeout(resolve, 5));
    // The hops (complete-step when sent alone with one slot, which timing decides) aside. No
    // start-nodes: the worker runs in this process, so the submit itself started the root (eager start).
    expect(new Set([...operationsOf()].filter((operation) => operation !== 'complete-step'))).toEqual(new Set(['complete-nodes']));
    // Waiting went to the server that ran the scripts: WAIT is in its command stats.
    expect(String(await redis().info('commandstats'))).toMatch(/cmdstat_wait:calls=\d+/);
  });

  it('leases outlive WAITs that queue up: no attempt is redelivered while its worker waits for replicas that never answer', async () => {
    // Each transition holds the worker's connection for the whole timeout (WAIT blocks the client),
    // so 8 slots' transitions queue for up to 8 x 250 ms: longer than the 1 s lease.
    const app = makeApp({ visibilityTimeoutMs: 1000, replication: { waitReplicas: 1, timeoutMs: 250 } });
    const executions = new Map<string, number>();
    const step = app.task({ name: 'step' }, async (value: number) => {
      const key = taskContext().nodeId;
      executions.set(key, (executions.get(key) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return value + 1;
    });
    const run = await app
      .submit(group(...Array.from({ length: 16 }, (_, index) => chain(step.si(index), step.s()))), { id: 'replication-wait-leases' })
      .catch((error: unknown) => {
        if (error instanceof ReplicationTimeoutError) return app.getRun<number[]>('replication-wait-leases');
        throw error;
      });
    await app.worker({ concurrency: 8, onError: () => undefined }).start();
    expect(await run.result({ timeoutMs: 60_000 })).toEqual(Array.from({ length: 16 }, (_, index) => index + 2));
    expect([...executions.values()].every((times) => times === 1)).toBe(true);
    expect(executions.size).toBe(32);
  }, 90_000);
});
