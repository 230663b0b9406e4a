import { Presets, SingleBar } from 'cli-progress';
import type { App } from '../app.js';
import { TERMINAL_RUN_STATUSES } from '../store/records.js';
import type { RunProgress } from '../run/run.js';
import { EXIT } from './exit-codes.js';
import { formatCount, formatDuration, type Palette } from './format.js';
import { statusSummary } from './render-run.js';

const REFRESH_MS = 250;

/**
 * Show a run's progress until it ends: a bar with done/total, running, failed, the rate and an
 * ETA (on a terminal), or a line per change (when piped). Returns the exit code: 0 when the run
 * succeeded, 1 when it failed, 2 when it was cancelled.
 */
export async function watchRun(app: App, runId: string, colors: Palette, interactive: boolean, out: NodeJS.WriteStream): Promise<number> {
  const run = app.getRun(runId);
  let progress: RunProgress = await run.progress();
  const started = Date.now();
  const doneAtStart = finishedNodes(progress);
  const bar = interactive
    ? new SingleBar({
        format: '{bar} {value}/{total} done | {running} running | {failed} failed | {rate} nodes/s | ETA {left}',
        barsize: 30,
        hideCursor: true,
        stream: out,
        etaBuffer: 20,
      }, Presets.shades_classic)
    : null;
  const payload = () => {
    const elapsed = (Date.now() - started) / 1000;
    const rate = elapsed > 0 ? (finishedNodes(progress) - doneAtStart) / elapsed : 0;
    const left = progress.total - finishedNodes(progress);
    return {
      running: formatCount(progress.counts.running),
      failed: formatCount(progress.counts.failed),
      rate: rate.toFixed(rate < 10 ? 1 : 0),
      left: rate > 0 ? formatDuration((left / rate) * 1000) : '-',
    };
  };
  bar?.start(progress.total, finishedNodes(progress), payload());
  let lastLine = '';
  for (;;) {
    if (bar) bar.update(finishedNodes(progress), payload());
    else {
      const line = `${progress.status}: ${formatCount(finishedNodes(progress))}/${formatCount(progress.total)} done, ${statusSummary(progress.counts, colors)}`;
      if (line !== lastLine) out.write(`${line}\n`);
      lastLine = line;
    }
    if (TERMINAL_RUN_STATUSES.has(progress.status)) break;
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    progress = await run.progress();
  }
  bar?.stop();
  out.write(`run ${runId} ${colors.status(progress.status)}: ${statusSummary(progress.counts, colors)}\n`);
  if (progress.status === 'succeeded') return EXIT.ok;
  return progress.status === 'cancelled' ? EXIT.runCancelled : EXIT.runFailed;
}

function finishedNodes(progress: RunProgress): number {
  return progress.counts.succeeded + progress.counts.failed + progress.counts.cancelled;
}
