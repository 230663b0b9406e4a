import { describe, expect, it } from 'vitest';
import { Signature, UnknownTaskError, WorkflowFailedError } from '../../src/index.js';
import { useApps } from '../helpers/apps.js';

describe('the unknown-task message says what cures it where it happened', () => {
  const makeApp = useApps();

  it('at submit it suggests app.signature(); in a worker, where the name already came by name, it does not', async () => {
    const app = makeApp();
    await app.worker().start();
    const run = await app.submit(app.signature('billing.charge', [1]));
    const error = await run.result({ timeoutMs: 10_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const { message } = (error as WorkflowFailedError).nodeError;
    expect(message).toMatch(/^node 0 of run \S+ \(queue default\): task "billing.charge" is not registered in this worker's app; register it with app.task\(\)/);
    expect(message).not.toContain('app.signature');

    // A task's own signature carries its contract, so submit takes it from any app; only a
    // signature that names an unregistered task with no contract is refused at submit.
    const unregistered = new Signature('only-here', [], true, {}, false);
    const refused = await Promise.resolve()
      .then(() => app.submit(unregistered))
      .catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(UnknownTaskError);
    expect((refused as UnknownTaskError).message).toContain('or use app.signature("only-here", args) for a task implemented by other workers');
  });
});
