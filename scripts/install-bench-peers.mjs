// Install the peers the benchmark suite compares against, once:
// - BullMQ 6.7.0 and autocannon (the HTTP rows' load generator) into benchmarks/suite/peers (npm);
// - Celery with its Redis client (Debian's python3-celery and python3-redis, apt-get), when no
//   python3 here imports them, apt-get is present and we are root. CELERY=0 skips Celery.
// Either failing is reported and the suite runs without that peer.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const peers = new URL('../benchmarks/suite/peers/', import.meta.url);
if (!existsSync(new URL('node_modules/bullmq/package.json', peers)) || !existsSync(new URL('node_modules/autocannon/package.json', peers))) {
  console.error('installing the benchmark peers (BullMQ 6.7.0, autocannon) into benchmarks/suite/peers ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: peers, stdio: 'inherit' });
}

const imports = (python) => {
  try {
    execFileSync(python, ['-c', 'import celery, redis'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasAptGet = () => {
  try {
    execFileSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const pythons = [process.env.CELERY_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
if (process.env.CELERY !== '0' && !pythons.some(imports) && process.getuid?.() === 0 && hasAptGet()) {
  console.error('installing Celery for the suite (apt-get install python3-celery python3-redis) ...');
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'python3-celery', 'python3-redis'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    console.error('could not install Celery: the suite runs without it (the table says so)');
  }
}
