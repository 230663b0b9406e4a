import { createHash } from 'node:crypto';
import { isCluster, type RedisClient } from './redis-client.js';
import { sendFlat } from './command.js';
import { type ScriptErrorSubject, decodeRedisError, replyCode } from './redis-errors.js';
import { ReplicationTimeoutError } from '../errors/index.js';
import { scriptSource } from './lua-source.js';

/**
 * Wait for replicas after a state transition (AppOptions.replication): the script and `WAIT
 * replicas timeoutMs` go as one pipeline, so on a cluster both reach the node that holds the
 * script's keys (a keyless WAIT alone would go to a node at random), on one connection (WAIT
 * counts the replicas that have this connection's last write).
 */
export interface ReplicationWait {
  readonly replicas: number;
  readonly timeoutMs: number;
  /**
   * Told of a shortfall, after which the call returns the script's reply as usual (a worker: its
   * onError, then it carries on). null: the call throws the shortfall instead.
   */
  readonly onShortfall: ((error: ReplicationTimeoutError) => void) | null;
}

/** Replies that say the slot is served elsewhere or not at the moment: the script did not run. */
const REDIRECTIONS: ReadonlySet<string> = new Set(['MOVED', 'ASK', 'TRYAGAIN', 'CLUSTERDOWN']);
/** How many redirections a replicated call follows before it gives up (ioredis's own default). */
const MAX_REDIRECTIONS = 16;

/** Arguments as a script takes them: numbers are sent as their decimal text. */
export type ScriptArgs = readonly (string | number)[];

/**
 * A script declared once: its KEYS and ARGV built from a typed input (KEYS from ShardKeys, in the
 * order its header lists them) and its reply decoded and checked (script-reply.ts guards), so a
 * caller passes an input and gets a typed reply, and its error replies become typed errors
 * (redis-errors.ts). One declaration per script, in `scripts/<name>.ts` next to its `.lua`.
 */
export interface ScriptDeclaration<Input, Reply> {
  /** The file `scripts/<name>.lua`. */
  readonly name: string;
  readonly keys: (input: Input) => readonly string[];
  readonly args: (input: Input) => ScriptArgs;
  /** Throws ScriptReplyError for a reply the script is not declared to give. */
  readonly decode: (reply: unknown, input: Input) => Reply;
  /** The run (and node) the call is about, named by the typed errors of its error replies. */
  readonly subject?: (input: Input) => ScriptErrorSubject;
}

export function defineScript<Input, Reply>(declaration: ScriptDeclaration<Input, Reply>): Script<Input, Reply> {
  return new Script(declaration);
}

/**
 * One Lua script from `scripts/<name>.lua`, as lua-source.ts assembles it (the constants it
 * shares with TypeScript and the definitions of its includes that it uses). Runs by EVALSHA. When the server does not have it cached (a fresh
 * or restarted server, SCRIPT FLUSH), the first caller loads it with SCRIPT LOAD and every
 * caller that missed at the same time waits for that one load, then retries: without this,
 * every concurrent first caller would send the whole script with EVAL, each costing Redis a
 * compile.
 */
export class Script<Input, Reply> {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
  private readonly loading = new WeakMap<RedisClient, Promise<void>>();

  constructor(readonly declaration: ScriptDeclaration<Input, Reply>) {
    this.name = declaration.name;
    this.source = scriptSource(this.name);
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** Run the script; with `wait`, also wait for replicas to acknowledge what it wrote (ReplicationWait). */
  async run(redis: RedisClient, input: Input, wait: ReplicationWait | null = null): Promise<Reply> {
    const { declaration } = this;
    const keys = declaration.keys(input);
    const args = declaration.args(input);
    // One array, not spread arguments: a 100,000-node submit has 300,000 of them, more than a
    // JavaScript call can take.
    const command: string[] = [this.sha, String(keys.length)];
    for (const key of keys) command.push(key);
    for (const arg of args) command.push(typeof arg === 'string' ? arg : String(arg));
    let reply: unknown;
    try {
      reply = wait === null ? await this.send(redis, command) : await this.runReplicated(redis, command, wait);
    } catch (error) {
      throw decodeRedisError(error, this.name, declaration.subject?.(input));
    }
    return declaration.decode(reply, input);
  }

  private async send(redis: RedisClient, command: string[]): Promise<unknown> {
    try {
      return await sendFlat(redis, 'evalsha', command);
    } catch (error) {
      if (replyCode(error) !== 'NOSCRIPT') throw error;
    }
    // On a cluster SCRIPT LOAD would reach one node at random, not the one that holds the keys:
    // EVAL goes there, and leaves the script cached on that node for the next EVALSHA.
    if (isCluster(redis)) return sendFlat(redis, 'eval', [this.source, ...command.slice(1)]);
    await this.load(redis);
    return sendFlat(redis, 'evalsha', command);
  }

  private async runReplicated(redis: RedisClient, command: string[], wait: ReplicationWait): Promise<unknown> {
    let name = 'evalsha';
    for (let redirections = 0; ; ) {
      const pipeline = redis.pipeline();
      pipeline.call(name, name === 'eval' ? [this.source, ...command.slice(1)] : command);
      pipeline.call('wait', wait.replicas, wait.timeoutMs);
      const [scriptResult, waitResult] = ((await pipeline.exec()) ?? []) as ([Error | null, unknown] | undefined)[];
      const scriptError = scriptResult ? scriptResult[0] : new Error(`${this.name}: the pipeline returned no reply`);
      if (scriptError) {
        const code = replyCode(scriptError);
        // The server has not cached the script: EVAL both runs and caches it, on the node of the keys.
        if (code === 'NOSCRIPT' && name === 'evalsha') {
          name = 'eval';
          continue;
        }
        // ioredis follows a redirection only when every command of a pipeline got it, and WAIT,
        // keyless, does not: follow it here, once the slot map is fresh.
        if (code !== null && REDIRECTIONS.has(code) && isCluster(redis) && ++redirections <= MAX_REDIRECTIONS) {
          const cluster = redis;
          // A slot being failed over or migrated answers the same until that ends: pause as ioredis does.
          if (code === 'CLUSTERDOWN' || code === 'TRYAGAIN') await new Promise((resolve) => setTimeout(resolve, cluster.options.retryDelayOnFailover ?? 100));
          await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
          continue;
        }
        throw scriptError;
      }
      const reply = scriptResult?.[1];
      const waitError = waitResult?.[0] ?? null;
      const acknowledged = waitError === null ? Number(waitResult?.[1]) : 0;
      if (acknowledged >= wait.replicas) return reply;
      const shortfall = new ReplicationTimeoutError(this.name, acknowledged, wait.replicas, wait.timeoutMs, waitError ? { cause: waitError } : undefined);
      if (wait.onShortfall === null) throw shortfall;
      wait.onShortfall(shortfall);
      return reply;
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
