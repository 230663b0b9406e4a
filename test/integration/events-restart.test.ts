import { describe, expect, it } from 'vitest';
import { type CeleriacEvent, chain } from '../../src/index.js';
import { useRestartableApp } from '../helpers/apps.js';
import { collect, retainedEvents } from '../helpers/events.js';
import { canvasTasks } from '../helpers/tasks.js';

const succeeded = (runId: string) => (events: readonly CeleriacEvent[]) =>
  events.some((event) => event.type === 'run.succeeded' && event.runId === runId);

describe('the event stream across a Redis restart', () => {
  const restartableApp = useRestartableApp();

  it('a consumer that reconnects after the restart, and one that rode it out, miss nothing that was retained', async () => {
    // Its server's AOF keeps every acknowledged write, the stream's included, through the SIGKILL.
    const { server, app } = await restartableApp('events-restart');
    const { add } = canvasTasks(app);
    await app.worker({ concurrency: 4, onError: () => undefined }).start();

    const before = await app.submit(chain(add.si(1, 1), add.s(1), add.s(1)));
    // One consumer stays connected throughout; its reads wait through the outage.
    const steady = collect(app.events({ after: '0-0' }), (events) => events.filter((event) => event.type === 'run.succeeded').length === 2);
    // Another reads part of the first run, then goes away with its cursor (mid-entry: a hop writes two events in one).
    const early = await collect(app.events({ after: '0-0' }), (events) => events.length === 3);
    expect(await before.result({ timeoutMs: 10_000 })).toBe(4);

    await server.kill();
    await server.restart();

    let after!: typeof before;
    for (;;) {
      // The app's command connection gives up on its commands while Redis is away: submit again.
      try {
        after = await app.submit(chain(add.si(2, 2), add.s(1)));
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(await after.result({ timeoutMs: 10_000 })).toBe(5);
    const resumed = await collect(app.events({ after: early.at(-1)!.id }), succeeded(after.id));
    const stayed = await steady;

    // What the stream holds now: both runs, start to finish.
    const retained = await retainedEvents(app);
    expect(retained.filter((event) => event.type === 'run.succeeded').map((event) => event.runId)).toEqual([before.id, after.id]);
    const ids = retained.map((event) => event.id);
    expect([...early, ...resumed].map((event) => event.id)).toEqual(ids);
    expect(stayed.map((event) => event.id)).toEqual(ids);
  });
});
