import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isCluster, type RedisClient } from './redis-client.js';
import { sendFlat } from './command.js';
import { decodeRedisError, replyCode } from './redis-errors.js';

const scriptsDirectory = new URL('./scripts/', import.meta.url);
const includePattern = /^--- @include "([a-z-]+)"$/gm;

function loadSource(name: string): string {
  const source = readFileSync(new URL(`${name}.lua`, scriptsDirectory), 'utf8');
  return source.replace(includePattern, (_line, include: string) =>
    readFileSync(new URL(`includes/${include}.lua`, scriptsDirectory), 'utf8'),
  );
}

/**
 * One Lua script from `scripts/<name>.lua`, its `--- @include "x"` lines replaced by
 * `scripts/includes/x.lua`. Runs by EVALSHA. When the server does not have it cached (a fresh
 * or restarted server, SCRIPT FLUSH), the first caller loads it with SCRIPT LOAD and every
 * caller that missed at the same time waits for that one load, then retries: without this,
 * every concurrent first caller would send the whole script with EVAL, each costing Redis a
 * compile.
 */
export class Script {
  readonly source: string;
  readonly sha: string;
  private readonly loading = new WeakMap<RedisClient, Promise<void>>();

  constructor(readonly name: string) {
    this.source = loadSource(name);
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // One array, not spread arguments: a 100,000-node submit has 300,000 of them, more than a
    // JavaScript call can take.
    const command: string[] = [this.sha, String(keys.length)];
    for (const key of keys) command.push(key);
    for (const arg of args) command.push(typeof arg === 'string' ? arg : String(arg));
    try {
      return await sendFlat(redis, 'evalsha', command);
    } catch (error) {
      if (replyCode(error) !== 'NOSCRIPT') throw decodeRedisError(error, this.name);
    }
    try {
      // On a cluster SCRIPT LOAD would reach one node at random, not the one that holds the keys:
      // EVAL goes there, and leaves the script cached on that node for the next EVALSHA.
      if (isCluster(redis)) return await sendFlat(redis, 'eval', [this.source, ...command.slice(1)]);
      await this.load(redis);
      return await sendFlat(redis, 'evalsha', command);
    } catch (error) {
      throw decodeRedisError(error, this.name);
    }
  }

  private load(redis: RedisClient): Promise<void> {
    let loading = this.loading.get(redis);
    if (!loading) {
      loading = redis.script('LOAD', this.source).then(
        () => undefined,
        (error: unknown) => {
          this.loading.delete(redis);
          throw error;
        },
      );
      this.loading.set(redis, loading);
      // Once loaded, a later NOSCRIPT (another flush or restart) must load again.
      void loading.then(() => this.loading.delete(redis), () => undefined);
    }
    return loading;
  }
}

export const scripts = {
  submitRun: new Script('submit-run'),
  enqueueRoots: new Script('enqueue-roots'),
  claim: new Script('claim'),
  startNodes: new Script('start-nodes'),
  completeNodes: new Script('complete-nodes'),
  failNode: new Script('fail-node'),
  extendLease: new Script('extend-lease'),
  cancelRun: new Script('cancel-run'),
  cancelNodes: new Script('cancel-nodes'),
  reopenRun: new Script('reopen-run'),
  reopenNodes: new Script('reopen-nodes'),
  pruneRuns: new Script('prune-runs'),
  deadLetter: new Script('dead-letter'),
  repairRun: new Script('repair-run'),
  recordProgress: new Script('record-progress'),
  releaseMessages: new Script('release-messages'),
  deleteRun: new Script('delete-run'),
  deleteNodes: new Script('delete-nodes'),
  queueStats: new Script('queue-stats'),
  workerHeartbeat: new Script('worker-heartbeat'),
} as const;
