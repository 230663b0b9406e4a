import { describe, expect, it } from 'vitest';
import { chain, ConfigError, createApp, ReplicationTimeoutError } from '../../src/index.js';
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
    // The hops (complete-step when sent alone with one slot, which timing decides) aside.
    expect(new Set([...operationsOf()].filter((operation) => operation !== 'complete-step'))).toEqual(new Set(['start-nodes', 'complete-nodes']));
    // Waiting went to the server that ran the scripts: WAIT is in its command stats.
    expect(String(await redis().info('commandstats'))).toMatch(/cmdstat_wait:calls=\d+/);
  });
});
