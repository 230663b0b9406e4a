import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

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
 * `scripts/includes/x.lua`. Runs by EVALSHA, falling back to EVAL once when the server does not
 * have it cached (a restart, or SCRIPT FLUSH).
 */
export class Script {
  readonly source: string;
  readonly sha: string;

  constructor(readonly name: string) {
    this.source = loadSource(name);
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return redis.eval(this.source, keys.length, ...keys, ...args);
      }
      throw error;
    }
  }
}

export const scripts = {
  submitRun: new Script('submit-run'),
  claim: new Script('claim'),
  startNode: new Script('start-node'),
  completeNode: new Script('complete-node'),
  failNode: new Script('fail-node'),
  extendLease: new Script('extend-lease'),
  cancelRun: new Script('cancel-run'),
  reopenRun: new Script('reopen-run'),
  pruneRuns: new Script('prune-runs'),
} as const;
