import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, expect } from 'vitest';
import { type App, type AppOptions, createApp } from '../../src/index.js';

/**
 * Apps on a server a test file started for itself (with a password, an ACL or TLS), a fresh
 * prefix each unless one is given. After each test they are closed, and the test fails if the
 * server still has any client but `admin`: a leaked or still reconnecting connection, named or
 * not (a connection that was refused never got its name).
 */
export function useAppsOn(admin: () => Redis): (options: AppOptions) => App {
  const apps: App[] = [];
  afterEach(async () => {
    const closing = apps.splice(0);
    await Promise.all(closing.map((app) => app.close()));
    if (closing.length === 0) return;
    const client = admin();
    const self = String(await client.client('ID'));
    let others: string[] = [];
    // A closing connection may take a moment to disappear from CLIENT LIST.
    for (let attempt = 0; attempt < 50; attempt++) {
      others = String(await client.client('LIST'))
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith(`id=${self} `));
      if (others.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(others, 'connections left open after app.close()').toEqual([]);
  });
  return (options) => {
    const app = createApp({ prefix: `test-${randomUUID()}`, ...options });
    apps.push(app);
    return app;
  };
}

/** The names of the connections an app has open on the server: `celeriac:<prefix>:<role>` → role. */
export async function connectionRoles(admin: Redis, app: App): Promise<string[]> {
  const name = `celeriac:${app.config.prefix}:`;
  const list = String(await admin.client('LIST')).split('\n');
  return list
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
    .filter((found) => found.startsWith(name))
    .map((found) => found.slice(name.length))
    .sort();
}

export interface AclLogEntry {
  readonly reason: string;
  readonly object: string;
  readonly username: string;
}

/** ACL LOG, oldest first: what the server refused, and to whom. */
export async function aclLog(admin: Redis): Promise<AclLogEntry[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries
    .map((flat) => {
      const fields = new Map<string, string>();
      for (let index = 0; index + 1 < flat.length; index += 2) fields.set(String(flat[index]), String(flat[index + 1]));
      return { reason: fields.get('reason') ?? '', object: fields.get('object') ?? '', username: fields.get('username') ?? '' };
    })
    .reverse();
}
