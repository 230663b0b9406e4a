import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort, type RedisServer, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /**
   * Primaries, each owning an equal share of the 16,384 slots. Default 3. Fewer than 3 (which
   * `redis-cli --cluster create` refuses) are joined by hand, without replicas.
   */
  readonly primaries?: number;
  /** Replicas per primary (failover tests). Default 0. */
  readonly replicas?: number;
}

export interface RedisCluster {
  /** Every node, primaries first as `redis-cli --cluster create` assigned them. */
  readonly nodes: readonly RedisServer[];
  /** What ioredis's Cluster takes: every node's host and port. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** A Cluster client, closed by stop(). */
  client(): Cluster;
  stop(): Promise<void>;
}

/** CLUSTER INFO of one node, as a map. */
async function clusterInfo(port: number): Promise<Map<string, string>> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const text = String(await client.call('CLUSTER', 'INFO'));
    return new Map(text.split('\r\n').filter(Boolean).map((line) => line.split(':') as [string, string]));
  } finally {
    client.disconnect();
  }
}

/**
 * Join one or two primaries by hand, as `redis-cli --cluster create` would (it wants at least
 * three): each node announces 127.0.0.1, takes a distinct config epoch and an equal range of the
 * slots, and meets the first node on its bus port.
 */
async function joinByHand(nodes: readonly RedisServer[], busPorts: readonly number[]): Promise<void> {
  const clients = nodes.map((node) => new Redis({ port: node.port, host: '127.0.0.1', maxRetriesPerRequest: 0 }));
  try {
    const share = Math.ceil(16_384 / nodes.length);
    for (const [index, client] of clients.entries()) {
      // A node learns its address from a peer's MEET: a lone one would announce "" in CLUSTER SLOTS.
      await client.config('SET', 'cluster-announce-ip', '127.0.0.1');
      await client.call('CLUSTER', 'SET-CONFIG-EPOCH', String(index + 1));
      await client.call('CLUSTER', 'ADDSLOTSRANGE', String(index * share), String(Math.min(16_383, (index + 1) * share - 1)));
    }
    for (const client of clients.slice(1)) await client.call('CLUSTER', 'MEET', '127.0.0.1', String(nodes[0]!.port), String(busPorts[0]!));
  } finally {
    for (const client of clients) client.disconnect();
  }
}

/**
 * A private Redis Cluster on loopback: one redis-server per node (cluster-enabled, its bus on a
 * free port of its own, in a temp dir), joined by `redis-cli --cluster create` (by hand for one
 * or two primaries), and ready once every node reports the cluster ok with all slots assigned and
 * every node known. For the tests and the scaling benchmark of issue 17.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { primaries = 3, replicas = 0 } = options;
  if (primaries < 1 || (primaries < 3 && replicas > 0)) throw new Error('a Redis Cluster of fewer than 3 primaries is made without replicas');
  const nodes: RedisServer[] = [];
  const busPorts: number[] = [];
  const clients: Cluster[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => undefined)));
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let index = 0; index < primaries * (1 + replicas); index++) {
      const busPort = await freePort();
      busPorts.push(busPort);
      nodes.push(
        await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-node-timeout', '2000']),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    if (primaries < 3) await joinByHand(nodes, busPorts);
    else await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
    for (let attempt = 0; ; attempt++) {
      const infos = await Promise.all(nodes.map((node) => clusterInfo(node.port)));
      const ready = infos.every(
        (info) =>
          info.get('cluster_state') === 'ok' && info.get('cluster_slots_assigned') === '16384' && info.get('cluster_known_nodes') === String(nodes.length),
      );
      if (ready) break;
      if (attempt > 400) throw new Error('the Redis Cluster did not become ready');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const startupNodes = nodes.map((node) => ({ host: '127.0.0.1', port: node.port }));
  return {
    nodes,
    startupNodes,
    client: () => {
      const client = new Cluster([...startupNodes]);
      clients.push(client);
      return client;
    },
    stop,
  };
}
