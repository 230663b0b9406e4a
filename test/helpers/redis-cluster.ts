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
  /**
   * cluster-node-timeout: how long a node may not answer before it is held failed, and its
   * replica, if any, is promoted. Default 2000.
   */
  readonly nodeTimeoutMs?: number;
}

export interface RedisCluster {
  /** Every node, primaries first as `redis-cli --cluster create` assigned them. */
  readonly nodes: readonly RedisServer[];
  /** What ioredis's Cluster takes: every node's host and port. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** A Cluster client, closed by stop(). */
  client(): Cluster;
  /** The node that serves `key`'s slot as primary now. */
  primaryOf(key: string): Promise<RedisServer>;
  /**
   * Resolves once every node still running reports the cluster ok with all slots assigned, and
   * none of them holds a node it lists as failed as a primary: after a kill, once its replica
   * has been promoted. Throws after `timeoutMs`.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
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

/** A plain command to one node, on a connection of its own. */
async function ask(port: number, ...args: string[]): Promise<string | null> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // A killed node refuses: that is an answer here, not news.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call(args[0]!, ...args.slice(1)));
  } catch {
    return null;
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
  const { primaries = 3, replicas = 0, nodeTimeoutMs = 2000 } = options;
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
        await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort), '--cluster-node-timeout', String(nodeTimeoutMs),
          // A replica's first sync starts at once instead of after 5 s.
          '--repl-diskless-sync-delay', '0']),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    if (primaries < 3) await joinByHand(nodes, busPorts);
    else await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes']);
    for (let attempt = 0; ; attempt++) {
      const infos = await Promise.all(nodes.map((node) => clusterInfo(node.port)));
      // Replicas count once they hold their primary's data: until then none could take over, and
      // a WAIT would find no replica to acknowledge.
      const roles = await Promise.all(nodes.map((node) => ask(node.port, 'INFO', 'replication')));
      const synced = roles.every((role) => role !== null && (role.includes('role:master') || role.includes('master_link_status:up')));
      const ready =
        synced &&
        infos.every(
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
  // Healthy: every node that answers says the cluster is ok, and every slot is served by a node
  // that answers (a killed primary keeps its slots in the tables until its replica is promoted).
  const healthy = async (): Promise<boolean> => {
    const answers = await Promise.all(
      nodes.map(async (node) => ({ port: node.port, info: await ask(node.port, 'CLUSTER', 'INFO'), table: await ask(node.port, 'CLUSTER', 'NODES') })),
    );
    const live = answers.filter((answer) => answer.info !== null && answer.table !== null);
    const livePorts = new Set(live.map((answer) => String(answer.port)));
    if (live.length === 0) return false;
    return live.every(({ info, table }) => {
      if (!info?.includes('cluster_state:ok') || !info.includes('cluster_slots_assigned:16384')) return false;
      // "<id> <host:port@bus> <flags> <primary> <ping> <pong> <epoch> <link> <slot ranges...>"
      return (table ?? '').split('\n').every((line) => {
        const fields = line.trim().split(' ');
        if (fields.length <= 8) return true;
        const port = /:(\d+)@/.exec(fields[1] ?? '')?.[1] ?? '';
        return livePorts.has(port);
      });
    });
  };
  const livePort = async (): Promise<number> => {
    for (const node of nodes) if ((await ask(node.port, 'PING')) !== null) return node.port;
    throw new Error('no node of the Redis Cluster answers');
  };
  return {
    nodes,
    startupNodes,
    primaryOf: async (key) => {
      const port = await livePort();
      const slot = Number(await ask(port, 'CLUSTER', 'KEYSLOT', key));
      for (const node of nodes) {
        const role = await ask(node.port, 'ROLE');
        if (role === null || !role.startsWith('master')) continue;
        const slots = await ask(node.port, 'CLUSTER', 'NODES');
        const mine = slots?.split('\n').find((line) => line.includes('myself'));
        const ranges = mine?.split(' ').slice(8) ?? [];
        const owns = ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return from !== undefined && to !== undefined && slot >= from && slot <= to;
        });
        if (owns) return node;
      }
      throw new Error(`no primary serves the slot of ${key}`);
    },
    waitUntilHealthy: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await healthy())) {
        if (Date.now() > deadline) throw new Error('the Redis Cluster did not recover');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    client: () => {
      const client = new Cluster([...startupNodes]);
      clients.push(client);
      return client;
    },
    stop,
  };
}
