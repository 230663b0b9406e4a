import type { QueueStats } from '../store/queue-stats.js';
import { type Palette, formatCount, formatDuration } from './format.js';

/** `celeriac queues` as a table: one line per queue, the oldest ready message's wait last. */
export function formatQueues(queues: readonly QueueStats[], colors: Palette): string[] {
  const lines = [colors.dim(`${'QUEUE'.padEnd(22)}${'READY'.padStart(10)}${'DELAYED'.padStart(10)}${'LEASED'.padStart(10)}  OLDEST READY`)];
  for (const queue of queues) {
    const oldest = queue.oldestReadyAgeMs === null ? '-' : formatDuration(queue.oldestReadyAgeMs);
    lines.push(
      `${queue.name.slice(0, 21).padEnd(22)}${formatCount(queue.ready).padStart(10)}${formatCount(queue.delayed).padStart(10)}` +
        `${formatCount(queue.leased).padStart(10)}  ${oldest}`,
    );
  }
  return lines;
}
