// Takes docs/images/dashboard/demo-mid.png: with a dashboard already serving the demo's prefix on
// 127.0.0.1:7474 (`npm run dashboard -- --prefix celeriac-demo`), runs `npm run demo`, opens its
// run from the runs page as soon as it is listed, and screenshots the DAG 2.5 s later, mid-run.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto('http://127.0.0.1:7474/');
  const demo = spawn('npm', ['run', 'demo'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  demo.stdout.on('data', (chunk) => (output += chunk));
  while (!/submitted run (\w+)/.test(output)) await new Promise((resolve) => setTimeout(resolve, 50));
  const runId = /submitted run (\w+)/.exec(output)[1];
  const row = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  await row.waitFor({ timeout: 30_000 });
  await row.locator('a').first().click();
  await page.locator('[data-testid="dag-unit"]').first().waitFor();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await page.screenshot({ path: `${root}docs/images/dashboard/demo-mid.png` });
  await new Promise((resolve) => demo.on('exit', resolve));
} finally {
  await browser.close();
}
