import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chain, group, type RunInspection } from '../../src/index.js';
import { redisUrl, useApps } from '../helpers/apps.js';
import { celeriac, cliApp, shell } from '../helpers/cli.js';
import { freePort } from '../helpers/redis-server.js';

const cli = `${process.execPath} --import tsx ${fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))}`;
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

describe('the celeriac command line', () => {
  const makeApp = useApps();

  const setup = () => cliApp(makeApp());

  it('list, in text and --json, with --status', async () => {
    const { app, at, add } = setup();
    const explode = app.task({ name: 'explode' }, async (value: number): Promise<number> => {
      throw new Error(`cannot take ${value}`);
    });
    await app.worker().start();
    const ok = await app.submit(add.si(1, 2), { name: 'fine' });
    const bad = await app.submit(chain(add.si(1, 2), explode.s(), add.s(1), add.s(2)), { name: 'broken' });
    await ok.result({ timeoutMs: 10_000 });
    await bad.result({ timeoutMs: 10_000 }).catch(() => undefined);
    const waiting = await app.submit(app.signature('nobody-runs-this', [], { queue: 'nowhere' }), { name: 'waiting' });

    const text = await celeriac(['list', ...at]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED\s+TOOK\s+NODES$/);
    expect(lines[1]).toMatch(new RegExp(`^${waiting.id}\\s+waiting\\s+running .*Z\\s+0/1 done$`));
    // A failed run says how its nodes ended, not "4/4 done".
    expect(lines[2]).toMatch(new RegExp(`^${bad.id}\\s+broken\\s+failed .* 1 succeeded · 1 failed · 2 cancelled$`));
    expect(lines[3]).toMatch(new RegExp(`^${ok.id}\\s+fine\\s+succeeded .* 1 succeeded$`));

    const json = await celeriac(['list', '--status', 'failed', '--json', ...at]);
    expect(json.code).toBe(0);
    const page = JSON.parse(json.stdout) as { runs: { id: string; status: string }[]; cursor: string | null };
    expect(page.runs.map((run) => [run.id, run.status])).toEqual([[bad.id, 'failed']]);
    expect(page.cursor).toBeNull();
  });

  it('list pages: the "more:" hint repeats every filter and works pasted; a malformed --cursor is refused', async () => {
    const { app, at } = setup();
    const runs = [];
    for (let index = 0; index < 3; index++) runs.push(await app.submit(app.signature('nobody-runs-this', [], { queue: 'nowhere' })));
    const first = await celeriac(['list', '--status', 'running', '--limit', '2', ...at]);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    // Runs made in the same millisecond are listed in id order, which need not be submit order.
    const shown = lines.slice(1, 3).map((line) => line.split(' ')[0]);
    const hint = lines.at(-1) ?? '';
    expect(hint).toMatch(
      new RegExp(`^more: celeriac list --redis ${redisUrl()} --prefix ${app.config.prefix} --status running --limit 2 --cursor \\d{15}:${shown[1]}$`),
    );
    // The hint, pasted into a shell, with the celeriac of this repository.
    const pasted = await shell(`${hint.replace(/^more: celeriac /, `${cli} `)}`);
    expect(pasted.code).toBe(0);
    const rest = runs.map((run) => run.id).filter((id) => !shown.includes(id));
    expect(pasted.stdout.trim().split('\n').slice(1).map((line) => line.split(' ')[0])).toEqual(rest);

    for (const cursor of ['abc', '123:x', `000000000000001:${'a'.repeat(129)}`]) {
      const refused = await celeriac(['list', '--cursor', cursor, ...at]);
      expect(refused.code).toBe(64);
      expect(refused.stderr).toContain(`option '--cursor <cursor>' argument '${cursor}' is invalid. not a cursor printed by a previous \`celeriac list\` page`);
    }
    await expect(app.listRuns({ cursor: 'abc' })).rejects.toThrow('listRuns(): options.cursor: must be a cursor returned by a previous listRuns() page');
  });

  it('list | head exits quietly: no EPIPE stack, exit 0', async () => {
    const { app, at } = setup();
    // More output than a pipe holds, so that writes go on after head has gone.
    const signature = app.signature('nobody-runs-this', [], { queue: 'nowhere' });
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 100 }, () => app.submit(signature, { name: 'x'.repeat(20) })));
    const piped = await shell(`${cli} list --limit 1000 ${at.join(' ')} | head -n 1; echo "exit=\${PIPESTATUS[0]}" >&2`);
    expect(piped.stdout).toMatch(/^ID\s+NAME/);
    expect(piped.stderr).toBe('exit=0\n');
  });

  it('CELERIAC_PREFIX sets the prefix beside REDIS_URL; a malformed --redis or REDIS_URL is a usage error naming it', async () => {
    const { app, add } = setup();
    const run = await app.submit(add.si(1, 2), { name: 'by-env' });
    const listed = await celeriac(['list'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${run.id}\\s+by-env\\s+running`, 'm'));
    const badPrefix = await celeriac(['list'], { REDIS_URL: redisUrl(), CELERIAC_PREFIX: 'a{b}' });
    expect([badPrefix.code, badPrefix.stderr.trim()]).toEqual([64, 'celeriac: createApp(): CELERIAC_PREFIX: must not contain braces, "|" or white space']);

    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [['--redis', 'localhost'], {}, 'celeriac: --redis: "localhost" is not a URL; expected redis://[[user]:password@]host[:port][/db] or rediss://... for TLS'],
      [['--redis', 'http://127.0.0.1:6379'], {}, 'celeriac: --redis: http:// is not a Redis URL scheme; use redis:// or rediss:// (TLS)'],
      [['--redis', 'redis://127.0.0.1:6379/zero'], {}, "celeriac: --redis: the URL's path must be a database number, e.g. redis://127.0.0.1:6379/0"],
      [[], { REDIS_URL: 'localhost:6379' }, 'celeriac: REDIS_URL: "localhost:6379" is not a URL; expected redis://[[user]:password@]host[:port][/db] or rediss://... for TLS'],
      [['--redis', 'user:secret@host'], {}, 'celeriac: --redis: the value is not a URL; expected redis://[[user]:password@]host[:port][/db] or rediss://... for TLS'],
    ];
    for (const [args, env, message] of cases) {
      const refused = await celeriac(['list', ...args], env);
      expect([refused.code, refused.stderr.trim()]).toEqual([64, message]);
    }
  });

  it('inspect draws the DAG, collapses a wide fan-out, and --json gives the inspection', async () => {
    const { app, at, identity, tsum } = setup();
    await app.worker({ concurrency: 50 }).start();
    const run = await app.submit(chain(group(Array.from({ length: 2000 }, (_, index) => identity.si(index))), tsum.s()), { name: 'wide' });
    await run.result({ timeoutMs: 30_000 });

    const text = await celeriac(['inspect', run.id, ...at]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^run ${run.id} "wide"  succeeded  created .*, took `));
    expect(lines[1]).toBe('2,001 nodes: 2,001 succeeded');
    expect(lines).toContain('  layer 0 · 2,000 nodes, ready at submit');
    expect(lines.some((line) => /^ {4}identity × 2,000 succeeded {2}\(tries 1, /.test(line))).toBe(true);
    expect(lines).toContain('  layer 1 · 1 node, joins 2,000 nodes');
    expect(lines.some((line) => /#2000\s+tsum\s+succeeded\s+1 try .*← #0 #1 #2 #3 #4 #5 … \(\+1,994\)/.test(line))).toBe(true);
    expect(lines.length).toBeLessThan(10);

    const json = await celeriac(['inspect', run.id, '--json', ...at]);
    const inspection = JSON.parse(json.stdout) as RunInspection;
    expect(inspection.id).toBe(run.id);
    expect(inspection.nodes).toHaveLength(2001);
  });

  it('inspect shows failures with their error, and resume, rerun and cancel steer runs (text and --json)', async () => {
    const { app, at, add } = setup();
    let broken = true;
    const flaky = app.task({ name: 'flaky' }, async (value: number) => {
      if (broken) throw new RangeError('value out of range');
      return value;
    });
    await app.worker().start();
    const run = await app.submit(chain(add.si(1, 1), flaky.s(), add.s(1)));
    await run.result({ timeoutMs: 10_000 }).catch(() => undefined);

    const inspected = await celeriac(['inspect', run.id, ...at]);
    expect(inspected.stdout).toMatch(/#1\s+flaky\s+failed\s+1 try/);
    expect(inspected.stdout).toContain('RangeError: value out of range');
    expect(inspected.stdout).toMatch(/#2\s+add\s+cancelled/);

    broken = false;
    const resumed = await celeriac(['resume', run.id, ...at]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.trim()).toBe(`run ${run.id} resumed: 2 nodes runnable again, 1 queued now`);
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    const again = await celeriac(['resume', run.id, '--json', ...at]);
    expect(JSON.parse(again.stdout)).toEqual({ changed: false, status: 'succeeded', resetNodes: 0, enqueuedNodes: 0 });

    const rerun = await celeriac(['rerun', run.id, '--from', '1', '--json', ...at]);
    expect(JSON.parse(rerun.stdout)).toEqual({ changed: true, status: 'running', resetNodes: 2, enqueuedNodes: 1 });
    expect(await run.result({ timeoutMs: 10_000 })).toBe(3);
    const missingNode = await celeriac(['rerun', run.id, '--from', '77', ...at]);
    expect(missingNode.code).toBe(66);
    expect(missingNode.stderr.trim()).toBe(`celeriac: run ${run.id} has no node "77" (node ids are shown by inspect)`);

    const pending = await app.submit(app.signature('nobody-runs-this', [], { queue: 'nowhere' }));
    const cancelled = await celeriac(['cancel', pending.id, ...at]);
    expect(cancelled.stdout.trim()).toBe(`run ${pending.id} cancelled: 1 nodes will not start, 0 running told to stop`);
    const twice = await celeriac(['cancel', pending.id, '--json', ...at]);
    expect(JSON.parse(twice.stdout)).toEqual({ changed: false, status: 'cancelled', cancelledNodes: 0, runningNodes: 0 });
  });

  it('watch follows a run to its end and exits 0, 1 or 2 for succeeded, failed or cancelled', async () => {
    const { app, at } = setup();
    const slow = app.task({ name: 'slow' }, async (value: number) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return value;
    });
    const boom = app.task({ name: 'boom' }, async () => {
      throw new Error('boom');
    });
    const run = await app.submit(group(Array.from({ length: 8 }, (_, index) => slow.si(index))));
    // Start the worker once watch has shown the run waiting, so that it sees the run progress.
    let firstLine!: () => void;
    const shown = new Promise<void>((resolve) => (firstLine = resolve));
    const watching = celeriac(['watch', run.id, ...at], {}, (child) => child.stdout?.once('data', () => firstLine()));
    await shown;
    await app.worker({ concurrency: 2 }).start();
    const watched = await watching;
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^running: 0\/8 done, /);
    expect(lines.at(-1)).toBe(`run ${run.id} succeeded: 8 succeeded`);

    const failing = await app.submit(boom.si());
    expect((await celeriac(['watch', failing.id, ...at])).code).toBe(1);
    const stopped = await app.submit(app.signature('nobody-runs-this', [], { queue: 'nowhere' }));
    let watchingNow!: () => void;
    const watchStarted = new Promise<void>((resolve) => (watchingNow = resolve));
    const watchingStopped = celeriac(['watch', stopped.id, ...at], {}, (child) => child.stdout?.once('data', () => watchingNow()));
    await watchStarted;
    await stopped.cancel();
    expect((await watchingStopped).code).toBe(2);
  });

  it('worker <module> runs the module app until SIGTERM, then closes gracefully', async () => {
    const app = makeApp();
    const env = { REDIS_URL: redisUrl(), CELERIAC_PREFIX: app.config.prefix, CELERIAC_TEST_BUGGY: '0' };
    const total = app.signature<number>('total');
    const run = await app.submit(chain(group(app.signature('transform', [1], { immutable: true }), app.signature('transform', [2], { immutable: true })), total));
    let child!: ReturnType<typeof spawn>;
    const done = celeriac(['worker', fixture('recovery-app.ts'), '--concurrency', '4'], env, (started) => (child = started));
    expect(await run.result({ timeoutMs: 20_000 })).toBe(30);
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`celeriac: worker started: prefix "${app.config.prefix}", queues default`);
    expect(result.stderr).toContain('celeriac: worker closed');
  });

  it('inspect and repair name a damaged run and what it lost', async () => {
    const { app, at, add } = setup();
    const run = await app.submit(chain(add.si(1, 2), add.s(3)));
    // Node 1 waits for node 0 and has had a state since submit: without it the run is damaged.
    await app.redis.hdel(app.keys.run(run.id).nodes, '1');
    const inspected = await celeriac(['inspect', run.id, ...at]);
    expect(inspected.code).toBe(70);
    expect(inspected.stderr).toBe(`celeriac: RUN_DAMAGED: run ${run.id} is damaged: node 1 has no state\n`);
    const repaired = await celeriac(['repair', ...at]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toBe(`looked at 0 nodes of 0 running runs: 0 re-enqueued\n  run ${run.id} could not be checked (damaged): node 1 has no state\n`);
    const json = await celeriac(['repair', '--json', ...at]);
    expect(JSON.parse(json.stdout)).toEqual({ runs: 0, nodes: 0, repaired: [], damaged: [{ runId: run.id, reason: 'node 1 has no state' }], errbacks: 0 });
  });

  it('dead-letters lists poison messages by reason and --clear forgets them; list and inspect point at them; repair re-enqueues orphans', async () => {
    const { app, at, add } = setup();
    const run = await app.submit(chain(add.si(1, 2), add.s(3)));
    const ready = app.keys.shards[0]!.queue('default').ready;
    // An orphan: the root's message is gone. repair puts it back.
    await app.redis.zrem(ready, `${run.id}|0|1|0`);
    const repaired = await celeriac(['repair', ...at]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toBe(`looked at 2 nodes of 1 running runs: 1 re-enqueued\n  run ${run.id} node #0 (was queued)\n`);
    const again = await celeriac(['repair', '--json', ...at]);
    expect(JSON.parse(again.stdout)).toEqual({ runs: 1, nodes: 2, repaired: [], damaged: [], errbacks: 0 });

    // Poison next to real work: a garbage message and one naming a node the run does not have.
    await app.redis.zadd(ready, 0, 'garbage', 0, `${run.id}|7|1|0`);
    await app.worker().start();
    expect(await run.result({ timeoutMs: 10_000 })).toBe(6);
    for (let attempt = 0; attempt < 200 && (await app.deadLetters({ limit: 0 })).total < 2; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const text = await celeriac(['dead-letters', ...at]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^2 dead letters: (malformed 1, node-missing 1|node-missing 1, malformed 1)$/);
    expect(lines.slice(2).map((line) => line.split(/\s{2,}/).slice(1).join(' | ')).sort()).toEqual([
      `malformed | default | "garbage"`,
      `node-missing | default | "${run.id}|7|1|0"`,
    ]);
    const listed = await celeriac(['list', ...at]);
    expect(listed.stdout).toContain('dead letters: 2 (celeriac dead-letters)');
    const inspected = await celeriac(['inspect', run.id, ...at]);
    expect(inspected.stdout).toContain('dead letters naming this run: 1');
    expect(inspected.stdout).toMatch(/#7 {2}node-missing {2}\(default\)/);

    const cleared = await celeriac(['dead-letters', '--clear', '--json', ...at]);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ total: 2, cleared: 2 });
    expect((await celeriac(['dead-letters', ...at])).stdout).toBe('no dead letters\n');
  });

  it('fails in one line with a distinct exit code: unknown run, unreachable Redis, bad module', async () => {
    const { at } = setup();
    const unknown = await celeriac(['inspect', 'no-such-run', ...at]);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([66, 'celeriac: run no-such-run does not exist (never submitted under this prefix, or expired)']);

    const port = await freePort();
    const down = await celeriac(['list', '--redis', `redis://127.0.0.1:${port}`, '--connect-timeout', '1000']);
    expect(down.code).toBe(69);
    expect(down.stderr.trim()).toBe(`celeriac: cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (set --redis or REDIS_URL)`);

    const missing = await celeriac(['worker', 'does/not/exist.ts', ...at]);
    expect([missing.code, missing.stderr.trim()]).toEqual([78, 'celeriac: cannot load does/not/exist.ts: no such file']);
    const noApp = await celeriac(['worker', fixture('no-app.ts'), ...at]);
    expect(noApp.code).toBe(78);
    expect(noApp.stderr).toContain('exports no celeriac app: export it as default or as `app`');

    const usage = await celeriac(['rerun', 'x', ...at]);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain("required option '--from <node-id>' not specified");
  });
});
