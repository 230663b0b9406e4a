import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';

// The private Redis Cluster that issue 17's tests will run celeriac on. Until then it holds what
// the sharded store must respect: keys with different hash tags live on different primaries, and
// one script may only touch keys of one slot.
describe('a private Redis Cluster (test harness)', () => {
  let cluster: RedisCluster;
  beforeAll(async () => {
    cluster = await startRedisCluster({ primaries: 3 });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('spreads hash tags across its three primaries and refuses a script across slots (CROSSSLOT)', async () => {
    const client = cluster.client();
    const owners = new Set<string>();
    for (let shard = 0; shard < 12; shard++) {
      const key = `{app:${shard}}:runs`;
      await client.set(key, String(shard));
      expect(await client.get(key)).toBe(String(shard));
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
      const slots = (await client.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const owner = slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
      owners.add(String(owner));
    }
    expect(owners.size).toBe(3);
    // Two keys of one tag: one slot, one script.
    expect(await client.eval("return redis.call('GET', KEYS[1]) .. redis.call('GET', KEYS[2])", 2, '{app:1}:runs', '{app:1}:runs')).toBe('11');
    await expect(client.eval("return redis.call('GET', KEYS[1])", 2, '{app:1}:runs', '{app:2}:runs')).rejects.toThrow(/CROSSSLOT/);
  });
});
