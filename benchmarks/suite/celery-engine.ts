/**
 * Celery as a third engine of the suite, when a python3 that imports celery and redis is found
 * (Debian's python3-celery and python3-redis). The measurements run in benchmarks/suite/celery/
 * driver.py, driven over stdin/stdout one JSON line per command, against the same private Redis
 * (broker and result backend), with a prefork worker of CELERY_BENCH_PROCESSES processes (2, one
 * per core: Celery's own advice for CPU-bound pools, and the reference measurement).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Engine } from './engines.js';

const driverDir = fileURLToPath(new URL('./celery/', import.meta.url));

/** The python3 that imports celery and redis, or why none does. */
export function findCeleryPython(): { python: string } | { skipped: string } {
  const candidates = [process.env.CELERY_PYTHON, 'python3', '/usr/bin/python3'].filter((value): value is string => Boolean(value));
  for (const python of candidates) {
    try {
      const version = execFileSync(python, ['-c', 'import celery, redis; print(celery.__version__)'], { stdio: ['ignore', 'pipe', 'ignore'] });
      return { python: `${python} (Celery ${version.toString().trim()})` };
    } catch {
      // try the next one
    }
  }
  return { skipped: `skipped: none of ${candidates.join(', ')} imports celery and redis (apt-get install python3-celery python3-redis)` };
}

interface Answer {
  readonly error?: string;
  readonly submit?: number;
  readonly total?: number;
  readonly micros?: number;
}

export function celeryEngine(python: string, url: string, logFile: string): Engine & { cpuMicros(): Promise<number> } {
  const child = spawn(python, ['driver.py'], {
    cwd: driverDir,
    env: { ...process.env, CELERY_BENCH_REDIS: url, CELERY_BENCH_LOG: logFile },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (command: Record<string, unknown>): Promise<Answer> => {
    const asked = queue.then(async () => {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      const line = await lines.next();
      if (line.done) throw new Error(`the Celery driver exited during ${JSON.stringify(command)} (see ${logFile})`);
      const answer = JSON.parse(line.value) as Answer;
      if (answer.error) throw new Error(`Celery driver, ${JSON.stringify(command)}: ${answer.error} (see ${logFile})`);
      return answer;
    });
    queue = asked.catch(() => undefined);
    return asked;
  };
  const timed = async (op: string, n: number): Promise<[number, number]> => {
    const answer = await ask({ op, n });
    return [answer.submit ?? NaN, answer.total ?? NaN];
  };
  return {
    name: 'celery',
    start: async () => void (await ask({ op: 'start' })),
    warmUp: async (withWorker) => void (await ask({ op: 'warmUp', withWorker })),
    fanOut: (width) => timed('fanOut', width),
    chain: (length) => timed('chain', length),
    mixed: (n) => timed('mixed', n),
    smallRuns: async (count) => (await ask({ op: 'smallRuns', n: count })).total ?? NaN,
    mapFanOut: () => Promise.reject(new Error('the Celery driver has no map over a list made at run time')),
    oneAtATime: () => Promise.reject(new Error('the Celery driver does not measure runs one at a time')),
    request: () => Promise.reject(new Error('the Celery driver does not serve the HTTP endpoint')),
    submitOnly: async (width) => (await ask({ op: 'submitOnly', n: width })).submit ?? NaN,
    cpuMicros: async () => (await ask({ op: 'cpu' })).micros ?? NaN,
    stop: async () => {
      await ask({ op: 'stop' });
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    },
  };
}
