import type { App } from '../app.js';
import type { WorkerInfo } from '../store/workers.js';
import { EXIT } from './exit-codes.js';
import { formatDuration, formatTime, type Palette } from './format.js';

/** `celeriac workers`: the app's live workers, then the silent ones, as a table or JSON. */
export async function printWorkers(app: App, options: { readonly json?: boolean }, print: (text: string) => void, colors: Palette): Promise<number> {
  const list = await app.workers();
  const { live, silent } = list;
  if (options.json) {
    print(JSON.stringify(list, null, 2));
    return EXIT.ok;
  }
  if (live.length === 0 && silent.length === 0) {
    print('no workers');
    return EXIT.ok;
  }
  // On Redis's clock, like lastSeenAt: this machine's clock may differ.
  const now = list.at.getTime();
  print(colors.dim(`${'ID'.padEnd(28)}${'STATE'.padEnd(8)}${'HOST'.padEnd(22)}${'PID'.padEnd(9)}${'QUEUES'.padEnd(22)}${'BUSY'.padEnd(11)}${'STARTED'.padEnd(22)}LAST SEEN`));
  const row = (worker: WorkerInfo, state: string): string =>
    `${worker.id.padEnd(28)}${state.padEnd(8)}${worker.host.slice(0, 21).padEnd(22)}${String(worker.pid).padEnd(9)}` +
    `${worker.queues.join(',').slice(0, 21).padEnd(22)}${`${worker.inFlight}/${worker.concurrency}`.padEnd(11)}` +
    `${formatTime(worker.startedAt).padEnd(22)}${formatDuration(Math.max(0, now - worker.lastSeenAt.getTime()))} ago`;
  for (const worker of live) print(row(worker, 'live'));
  for (const worker of silent) print(colors.red(row(worker, 'silent')));
  return EXIT.ok;
}
