// Bundles the dashboard's browser client into dist/dashboard/client/: one app.js (ES2022 module,
// minified, Preact, dagre and uPlot inside), one app.css (ours and uPlot's) and index.html. The
// page carries no inline script or style because the server sends `script-src 'self'`; its paths
// are relative so the dashboard can be mounted under any base path. Run alone: `npm run build:client`.
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path) => `${root}${path}`;

export async function buildClient() {
  const out = at('dist/dashboard/client');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    absWorkingDir: root,
    entryPoints: { app: at('src/dashboard/client/main.tsx') },
    tsconfig: at('src/dashboard/client/tsconfig.json'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outdir: out,
    legalComments: 'none',
    logLevel: 'warning',
  });
  copyFileSync(at('src/dashboard/client/index.html'), `${out}/index.html`);
  return { js: statSync(`${out}/app.js`).size, css: statSync(`${out}/app.css`).size };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await buildClient();
  console.log(`build:client: app.js ${(sizes.js / 1024).toFixed(1)} KiB, app.css ${(sizes.css / 1024).toFixed(1)} KiB`);
}
