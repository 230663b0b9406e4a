import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort, type RedisServer, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Primaries, each owning an equal share of the 16,384 slots. Default 3. */
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
 * A private Redis Cluster on loopback: one redis-server per node (cluster-enabled, its bus on a
 * free port of its own, in a temp dir), joined by `redis-cli --cluster create`, and ready once
 * every node reports the cluster ok with all slots assigned. For the tests of issue 17.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { primaries = 3, replicas = 0 } = options;
  if (primaries < 3) throw new Error('Redis Cluster needs at least 3 primaries');
  const nodes: RedisServer[] = [];
  const clients: Cluster[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => undefined)));
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    for (let index = 0; index < primaries * (1 + replicas); index++) {
      const busPort = await freePort();
      nodes.push(
        await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-node-timeout', '2000']),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
    for (let attempt = 0; ; attempt++) {
      const infos = await Promise.all(nodes.map((node) => clusterInfo(node.port)));
      const ready = infos.every((info) => info.get('cluster_state') === 'ok' && info.get('cluster_slots_assigned') === '16384');
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
