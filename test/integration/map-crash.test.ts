import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chain, map } from '../../src/index.js';
import { testTarget, useApps, useRedis } from '../helpers/apps.js';
import { targetEnv } from '../helpers/target.js';

const fixture = fileURLToPath(new URL('../fixtures/expand-crash-worker.ts', import.meta.url));
const ITEMS = 10_000;

describe('a worker SIGKILLed while its map node expands over 10,000 items', () => {
  const makeApp = useApps();
  const redis = useRedis();

  for (const crashAt of ['before', 'after'] as const) {
    it(`killed ${crashAt} the expansion is written: the run finishes with exactly ${ITEMS.toLocaleString('en-US')} element nodes`, async () => {
      const app = makeApp({ visibilityTimeoutMs: 1000 });
      const { prefix } = app.config;
      const list = app.task({ name: 'list' }, (count: number) => Array.from({ length: count }, (_, index) => index));
      // The element's first node is on `mapping`, so the map node is too: the child takes it.
      const work = app.task({ name: 'work', queue: 'mapping' }, (value: number) => value * 2);
      const total = app.task({ name: 'total' }, (values: number[]) => values.reduce((sum, value) => sum + value, 0));
      const run = await app.submit(chain(list.s(ITEMS), map(work.s()), total.s()));
      // This process runs the list first; the map node waits on `mapping` for the child.
      const local = app.worker({ concurrency: 8, queues: ['default'] });
      await local.start();

      const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
        env: { ...process.env, ...targetEnv(testTarget()), CELERIAC_PREFIX: prefix, CRASH_AT: crashAt },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      const reached = await redis().blpop(`expand-crash:${prefix}`, 30);
      expect(reached?.[1]).toBe(`${child.pid}:${crashAt}`);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const mapNode = (await run.inspect()).nodes[1]!;
      // Before: still running under the dead worker's lease. After: the nodes are in, the map node waits for them.
      expect(mapNode.status).toBe(crashAt === 'before' ? 'running' : 'pending');
      await app.worker({ concurrency: 16, queues: ['mapping'] }).start();
      expect(await run.result({ timeoutMs: 60_000 })).toBe(ITEMS * (ITEMS - 1));

      const { nodes } = await run.inspect();
      const added = nodes.filter((node) => node.parent === '1');
      // The element's one node gets its item as its first arg: no item nodes.
      expect(added.filter((node) => node.task === 'work')).toHaveLength(ITEMS);
      expect(added).toHaveLength(ITEMS);
      expect(nodes).toHaveLength(3 + ITEMS);
      expect(nodes.every((node) => node.status === 'succeeded')).toBe(true);
      // The map node ran twice when its first attempt died before writing, once when it died after.
      expect(nodes[1]!.attempts).toBe(crashAt === 'before' ? 2 : 1);
      await redis().del(`expand-crash:${prefix}`);
    }, 90_000);
  }
});
