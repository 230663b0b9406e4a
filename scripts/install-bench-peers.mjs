// Install the peers the benchmark suite compares against (benchmarks/suite/peers), once.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const peers = new URL('../benchmarks/suite/peers/', import.meta.url);
if (!existsSync(new URL('node_modules/bullmq/package.json', peers))) {
  console.error('installing the benchmark peers (BullMQ 6.7.0) into benchmarks/suite/peers ...');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: peers, stdio: 'inherit' });
}
